"""Edges found in review, each held by a test: no self-approval through a delegation; a
cancel before approval gives back every day whatever `from` says; time flexibility takes
neither the location cap nor OPD capacity; an idempotency key reused on another request is
not taken for that request's answer; a chain nobody can decide waits (NO_APPROVER) instead
of being refused; a failed re-delegation leaves the delegation whole; a Plt/Plh is
appointed by a superior with the order's reference, never by the approver."""

from harness import (STEP_FIELDS, System, Org, approve_chain, awaiting, import_rows, make_nip,
                     ok, today_wib, wait_until, weekly_monday)
import datetime


def pending(client, rid):
    return ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending"


def submit(client, nip, key, dates, kind="rumah", **extra):
    body = {"key": key, "as": nip, "kind": kind, "dates": dates, "location": "R", "reason": "Uji"}
    body.update(extra)
    return client.call("REQUEST.SUBMIT", body)


def test_edges():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        s1, s2 = org.staff[0]["nip"], org.staff[1]["nip"]
        atasan = org.staff[0]["supervisor_nip"]
        today = today_wib().isoformat()

        # The kepala OPD appoints the atasan's own subordinate as Plh: still no self-approval
        kepala = org.kepala["DINKES"]["nip"]
        ok(client.call("APPROVAL.DELEGATE", {"key": "d", "as": kepala, "approver": atasan, "to": s1,
                                              "from": today, "until": weekly_monday(8),
                                              "order_ref": "800/12/427.35/2026"}))
        rid = ok(submit(client, s1, "self", [weekly_monday(1)]))["request_id"]
        wait_until("pending", lambda: pending(client, rid), 15)
        reply = client.call("APPROVAL.DECIDE", {"key": "x", "as": s1, "request_id": rid, "decision": "approve"})
        assert reply["code"] == "NOT_YOUR_DECISION", reply
        # A failed re-delegation leaves the delegation as it was: s1 still acts for the atasan
        bad = client.call("APPROVAL.DELEGATE", {"key": "d2", "as": kepala, "approver": atasan,
                                                "to": make_nip(777777), "from": today,
                                                "until": weekly_monday(8), "order_ref": "800/13"})
        assert bad["code"] == "UNKNOWN_EMPLOYEE", bad
        rid2 = ok(submit(client, s2, "other", [weekly_monday(1)]))["request_id"]
        wait_until("pending", lambda: pending(client, rid2), 15)
        listed = ok(client.call("APPROVAL.LIST", {"as": s1}))
        assert rid2 in [r["request_id"] for r in listed["requests"]], listed

        # The same key on another request is that request's own call
        ok(client.call("APPROVAL.DECIDE", {"key": "same", "as": atasan, "request_id": rid2,
                                            "decision": "reject", "note": "n"}))
        body = {"key": "same", "as": atasan, "request_id": rid, "decision": "approve"}
        body.update(STEP_FIELDS["atasan"])
        reply = client.call("APPROVAL.DECIDE", body)
        assert reply["status"] == "ok" and reply["state"] == "pending", reply
        assert ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["step_role"] == "kepala_opd"
        assert approve_chain(client, rid)["state"] == "approved"

        # Cancelled before approval with a `from`: every day comes back
        two = [weekly_monday(2), (datetime.date.fromisoformat(weekly_monday(2)) +
                                  datetime.timedelta(days=1)).isoformat()]
        rid3 = ok(submit(client, s2, "c", two))["request_id"]
        ok(client.call("REQUEST.CANCEL", {"key": "c", "as": s2, "request_id": rid3, "from": two[1]}))
        ok(submit(client, s2, "c2", two[:1]))

        # Time flexibility takes neither the location cap nor capacity
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[capacity]\nmax_people_per_day = 1\n"}))
        week = [(datetime.date.fromisoformat(weekly_monday(3)) + datetime.timedelta(days=n)).isoformat()
                for n in range(3)]
        sched = [{"date": d, "start": "07:00", "end": "16:00"} for d in week[:2]]
        t = ok(submit(client, s1, "t", week[:2], "sif", schedule=sched))["request_id"]
        ok(submit(client, s1, "l", week[2:3]))                 # 2 sif days + 1 location day
        assert approve_chain(client, t)["state"] == "approved"
        r2 = ok(submit(client, s2, "cap", week[:1]))["request_id"]
        last = approve_chain(client, r2, final=False)
        reply = client.call("APPROVAL.DECIDE", {"key": "cap", "as": last["approver"], "request_id": r2,
                                                "decision": "approve"})
        assert reply["status"] == "ok", reply                  # the shift worker was not 'away'


def test_undecidable_step_waits_instead_of_refusing():
    """A kepala OPD's own request: at the kepala_opd step nobody but themselves holds the
    role in their OPD. It is not refused at submission (it was) nor skipped: it waits with
    NO_APPROVER; an employee with no atasan on record is still refused at once."""
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        kepala = org.kepala["DINKES"]["nip"]
        rid = ok(submit(client, kepala, "k", [weekly_monday(1)]))["request_id"]
        first = awaiting(client, rid)
        assert (first["step_role"], first["approver"]) == ("atasan", org.sekda["nip"]), first
        body = {"key": "a", "as": org.sekda["nip"], "request_id": rid, "decision": "approve"}
        body.update(STEP_FIELDS["atasan"])
        assert ok(client.call("APPROVAL.DECIDE", body))["state"] == "pending"
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert (request["step_role"], request["approver"], request["waiting"]) == \
            ("kepala_opd", "", "NO_APPROVER"), request
        history = [h["note"] for h in request["history"]]
        assert not any("skip" in note for note in history), history
        refused = client.call("APPROVAL.DECIDE", {"key": "k", "as": kepala, "request_id": rid,
                                                  "decision": "approve"})
        assert refused["code"] == "NOT_YOUR_DECISION", refused
        # Cancelled while waiting: no longer counted as waiting
        ok(client.call("REQUEST.CANCEL", {"key": "c", "as": kepala, "request_id": rid}))
        assert ok(client.call("METRICS.GET", {"pemda": org.pemda, "as": org.bkd["nip"]}))["no_approver"] == 0
        assert "waiting" not in ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        # No atasan on record: refused at submission, as before
        assert submit(client, org.sekda["nip"], "s", [weekly_monday(1)])["code"] == "NO_APPROVER"
        assert ok(submit(client, org.staff[0]["nip"], "s", [weekly_monday(1)]))["state"] == "pending"


def test_plt_plh_appointed_by_a_superior():
    org = Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        staff = org.staff[0]
        atasan = staff["supervisor_nip"]
        kepala = org.kepala["DINKES"]["nip"]
        other_kepala = org.kepala["DISDIK"]["nip"]
        plh = [s for s in org.supervisors if s["nip"] != atasan][0]["nip"]   # DISDIK's atasan
        today = today_wib().isoformat()
        until = weekly_monday(8)

        def appoint(actor, approver, to, key, **extra):
            body = {"key": key, "as": actor, "approver": approver, "to": to, "from": today,
                    "until": until, "order_ref": "800/1.3/%s/2026" % key}
            body.update(extra)
            return client.call("APPROVAL.DELEGATE", body)
        # An approver can no longer name their own stand-in
        refused = appoint(atasan, atasan, plh, "self")
        assert refused["code"] == "FORBIDDEN" and refused["field"] == "approver", refused
        # Nor can whoever appoints name themselves: they would decide two steps
        refused = appoint(kepala, atasan, kepala, "selfplt")
        assert refused["code"] == "FORBIDDEN" and refused["field"] == "to", refused
        # Nor can a peer, or the kepala of another OPD
        assert appoint(plh, atasan, kepala, "peer")["code"] == "FORBIDDEN"
        assert appoint(other_kepala, atasan, plh, "other")["code"] == "FORBIDDEN"
        # The order's reference is required
        refused = appoint(kepala, atasan, plh, "noref", order_ref="")
        assert refused["code"] == "MISSING_FIELD" and refused["field"] == "order_ref", refused
        body = {"key": "none", "as": kepala, "approver": atasan, "to": plh, "from": today, "until": until}
        assert client.call("APPROVAL.DELEGATE", body)["code"] == "MISSING_FIELD"
        # The kepala OPD appoints for their OPD: the Plh decides, and the decision records
        # the approver and the order
        ok(appoint(kepala, atasan, plh, "ok"))
        rid = ok(submit(client, staff["nip"], "s", [weekly_monday(1)]))["request_id"]
        awaiting(client, rid)
        assert rid in [r["request_id"] for r in ok(client.call("APPROVAL.LIST", {"as": plh}))["requests"]]
        body = {"key": "plh", "as": plh, "request_id": rid, "decision": "approve", "note": "Plh"}
        body.update(STEP_FIELDS["atasan"])
        ok(client.call("APPROVAL.DECIDE", body))
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert request["assessment"]["by"] == plh and request["assessment"]["on_behalf_of"] == atasan
        notes = [h["note"] for h in request["history"] if h["action"] == "approve"]
        assert notes and "Plh/Plt for %s, surat 800/1.3/ok/2026" % atasan in notes[0], notes
        trail = ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]
        assert [(e["actor"], e["on_behalf_of"]) for e in trail if e["action"] == "approve"] == [(plh, atasan)]
        # The BKD appoints for a kepala OPD (whom nobody in the OPD may appoint for)
        assert appoint(kepala, kepala, plh, "kself")["code"] == "FORBIDDEN"
        ok(appoint(org.bkd["nip"], kepala, plh, "bkd"))
        step = awaiting(client, rid)
        assert step["step_role"] == "kepala_opd"
        body = {"key": "plt2", "as": plh, "request_id": rid, "decision": "approve"}
        body.update(STEP_FIELDS["kepala_opd"])
        ok(client.call("APPROVAL.DECIDE", body))
        # Withdrawn by the superior, the Plh decides nothing more
        ok(client.call("APPROVAL.DELEGATE", {"key": "w", "as": kepala, "approver": atasan, "withdraw": True}))
        rid2 = ok(submit(client, staff["nip"], "s2", [weekly_monday(2)]))["request_id"]
        awaiting(client, rid2)
        body = {"key": "plh2", "as": plh, "request_id": rid2, "decision": "approve"}
        body.update(STEP_FIELDS["atasan"])
        assert client.call("APPROVAL.DECIDE", body)["code"] == "NOT_YOUR_DECISION"
