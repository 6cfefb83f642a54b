"""Edges found in review, each held by a test: no self-approval through a delegation; a
cancel before approval gives back every day whatever `from` says; time flexibility takes
neither the location cap nor OPD capacity; an idempotency key reused on another request is
not taken for that request's answer; a chain nobody can decide is refused at submission;
a failed re-delegation leaves the delegation whole."""

from harness import System, Org, employee, import_rows, make_nip, ok, today_wib, wait_until, weekly_monday
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

        # The atasan delegates to their own subordinate: still no self-approval
        ok(client.call("APPROVAL.DELEGATE", {"key": "d", "as": atasan, "to": s1, "from": today,
                                              "until": weekly_monday(8)}))
        rid = ok(submit(client, s1, "self", [weekly_monday(1)]))["request_id"]
        wait_until("pending", lambda: pending(client, rid), 15)
        reply = client.call("APPROVAL.DECIDE", {"key": "x", "as": s1, "request_id": rid, "decision": "approve"})
        assert reply["code"] == "NOT_YOUR_DECISION", reply
        # A failed re-delegation leaves the delegation as it was: s1 still acts for the atasan
        bad = client.call("APPROVAL.DELEGATE", {"key": "d2", "as": atasan, "to": make_nip(777777),
                                                "from": today, "until": weekly_monday(8)})
        assert bad["code"] == "UNKNOWN_EMPLOYEE", bad
        rid2 = ok(submit(client, s2, "other", [weekly_monday(1)]))["request_id"]
        wait_until("pending", lambda: pending(client, rid2), 15)
        listed = ok(client.call("APPROVAL.LIST", {"as": s1}))
        assert rid2 in [r["request_id"] for r in listed["requests"]], listed

        # The same key on another request is that request's own call
        ok(client.call("APPROVAL.DECIDE", {"key": "same", "as": atasan, "request_id": rid2,
                                            "decision": "reject", "note": "n"}))
        reply = client.call("APPROVAL.DECIDE", {"key": "same", "as": atasan, "request_id": rid,
                                                "decision": "approve"})
        assert reply["status"] == "ok" and reply["state"] == "approved", reply
        assert ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["state"] == "approved"

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
        wait_until("pending", lambda: pending(client, t), 15)
        ok(client.call("APPROVAL.DECIDE", {"key": "t", "as": atasan, "request_id": t, "decision": "approve"}))
        r2 = ok(submit(client, s2, "cap", week[:1]))["request_id"]
        wait_until("pending", lambda: pending(client, r2), 15)
        reply = client.call("APPROVAL.DECIDE", {"key": "cap", "as": atasan, "request_id": r2, "decision": "approve"})
        assert reply["status"] == "ok", reply                  # the shift worker was not 'away'


def test_undecidable_chain_refused_at_submission():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[chain]\nstep = kepala_opd, sla_hours=24, on_timeout=remind\n"}))
        kepala = org.kepala["DINKES"]["nip"]
        reply = submit(client, kepala, "k", [weekly_monday(1)])
        assert reply["code"] == "NO_APPROVER", reply
        assert ok(submit(client, org.staff[0]["nip"], "s", [weekly_monday(1)]))["state"] == "submitted"
