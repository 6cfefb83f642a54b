"""Eligibility (PermenPAN-RB 4/2025 art. 25) judged again at the final approval, and missing
personnel data that does not pass.

A sanction, a suspension or a change of position (the position itself, or its eligibility flag)
recorded by a re-import while a request waits stops its final approval: the BKD officer's
approval is refused with the rule's code, the request stays pending, and the refusal and its
reason are in the request's history and the audit trail; once the data is right again the
approval goes through. An employee without a start of service or without a position
eligibility flag on record is refused at submission by default (`missing = deny`), each with
its own code naming what is missing, and passes with `missing = allow`."""

import subprocess

from harness import (System, Org, binary, employee, error_codes, import_rows, make_nip, ok,
                     today_wib, wait_until, week_days, wfactl_env)

# Valid before and after the default chain changes: one step, and it is the BKD's
CHAIN = "[chain]\nstep = bkd, sla_hours=72, on_timeout=remind\n"


def state_of(client, rid):
    return ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["state"]


def audit(client, rid):
    return ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]


def reimport(client, row, key, **changes):
    """Record a change in the personnel data, as SIMPEG's next import would."""
    import_rows(client, [dict(row, **changes)], key_prefix=key)


def test_final_approval_judges_eligibility_again():
    org = Org(opds=("DINKES",), supervisors=1, staff=6)
    bkd = employee(make_nip(900), "Petugas BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ["pegawai", "bkd"])
    with System(verbose=False) as system:
        client = system.client()
        en = system.client(lang="en")
        import_rows(client, org.rows + [bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": CHAIN}))
        today = today_wib().isoformat()
        # case: (what the re-import records while the request waits, the code at final approval)
        cases = [
            ("nothing", {}, None),
            ("a sanction", {"sanctions": "%s..%s" % (today, week_days(3)[4])}, "SANCTIONED"),
            ("a sanction in process, open-ended", {"sanctions": "%s.." % today}, "SANCTIONED"),
            ("another position", {"position": "Pranata Komputer"}, "POSITION_CHANGED"),
            ("the position no longer eligible", {"position_eligible": "no"}, "POSITION_NOT_ELIGIBLE"),
            ("an old sanction, long over", {"sanctions": "2020-01-06..2020-02-28"}, None),
        ]
        rids = []
        for n, (what, changes, code) in enumerate(cases):
            person = org.staff[n]
            rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": person["nip"], "kind": "rumah",
                                                    "dates": [week_days(n)[1]], "location": "Rumah",
                                                    "reason": "Eligibility: " + what}))["request_id"]
            rids.append(rid)
        for rid in rids:
            wait_until("%s pending" % rid, lambda: state_of(client, rid) == "pending", 20)
        for n, (what, changes, code) in enumerate(cases):
            if changes:
                reimport(client, org.staff[n], "re-%d" % n, **changes)
        for n, (what, changes, code) in enumerate(cases):
            rid = rids[n]
            reply = en.call("APPROVAL.DECIDE", {"key": "d", "as": bkd["nip"], "request_id": rid,
                                                "decision": "approve"})
            if code is None:
                assert ok(reply, what)["state"] == "approved", (what, reply)
                continue
            assert reply["status"] == "error" and reply["code"] == code, (what, reply)
            assert state_of(client, rid) == "pending", what
            # Asked again (a retry, or a second try with another key): refused the same, on record once
            again = en.call("APPROVAL.DECIDE", {"key": "d-again", "as": bkd["nip"], "request_id": rid,
                                                "decision": "approve"})
            assert again["code"] == code, (what, again)
            refusals = [e for e in audit(client, rid) if e["action"] == "refuse_final"]
            assert len(refusals) == 1 and code in refusals[0]["reason"], (what, refusals)
            assert refusals[0]["actor"] == bkd["nip"]
            request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
            assert code in request["held"], request
        # The request names the change; `wfactl show` shows it, the step's deadline and the
        # refusal in the history
        changed = en.call("REQUEST.GET", {"request_id": rids[3]})
        assert "Analis -> Pranata Komputer" in changed["request"]["held"], changed
        shown = subprocess.run([binary("wfactl"), "show", rids[3]], env=wfactl_env(system),
                               capture_output=True, text=True, timeout=30)
        assert shown.returncode == 0, shown
        lines = {line.split(" ", 1)[0]: line for line in shown.stdout.splitlines()}
        assert "POSITION_CHANGED: Analis -> Pranata Komputer" in lines["held"], shown.stdout
        assert "WIB" in lines["step_due"], shown.stdout
        assert "refuse_final by %s: pending -> pending" % bkd["nip"] in shown.stdout, shown.stdout
        # The position eligible again: the approval goes through, the hold is lifted
        reimport(client, org.staff[4], "fixed", position_eligible="yes")
        assert ok(client.call("APPROVAL.DECIDE", {"key": "d2", "as": bkd["nip"], "request_id": rids[4],
                                                  "decision": "approve"}))["state"] == "approved"
        assert "held" not in ok(client.call("REQUEST.GET", {"request_id": rids[4]}))["request"]
        # A sanctioned request the BKD rejects: closed, the refusal still on record
        assert ok(client.call("APPROVAL.DECIDE", {"key": "r", "as": bkd["nip"], "request_id": rids[1],
                                                  "decision": "reject", "note": "Hukuman disiplin"}))[
            "state"] == "rejected"
        assert [e["action"] for e in audit(client, rids[1])][-2:] == ["refuse_final", "reject"]
        assert ok(client.call("AUDIT.VERIFY", {"pemda": org.pemda}))["valid"] is True
        system.assert_alive()


def test_missing_personnel_data_denied_by_default():
    org = Org(opds=("DINKES",), supervisors=1, staff=4)
    bkd = employee(make_nip(900), "Petugas BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ["pegawai", "bkd"])
    # The staff's rows as an import without the columns would leave them
    bare = [employee(row["nip"], row["name"], row["pemda"], row["opd"], row["position"],
                     row["supervisor_nip"], row["roles"], service_start=service_start,
                     position_eligible=eligible)
            for row, service_start, eligible in zip(org.staff, ("", None, "", None), (None, "", "", None))]
    with System(verbose=False) as system:
        client = system.client()
        en = system.client(lang="en")
        import_rows(client, [row for row in org.rows if row not in org.staff] + bare + [bkd])

        def submit(person, key, slot):
            return en.call("REQUEST.SUBMIT", {"key": key, "as": person["nip"], "kind": "rumah",
                                              "dates": [week_days(slot)[2]], "location": "Rumah",
                                              "reason": "Data"})
        # (row, the codes by default)
        expected = [
            (bare[0], {"SERVICE_START_MISSING"}),
            (bare[1], {"POSITION_ELIGIBILITY_MISSING"}),
            (bare[2], {"SERVICE_START_MISSING", "POSITION_ELIGIBILITY_MISSING"}),
            (bare[3], {"OK"}),
        ]
        ok(client.call("POLICY.SET", {"key": "p1", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": CHAIN}))
        for n, (person, codes) in enumerate(expected):
            reply = submit(person, "deny", n)
            assert error_codes(reply) == codes, (n, reply)
        # The refusal says what is missing, in both languages
        reply = submit(bare[2], "deny-en", 2)
        messages = " ".join(e["message"] for e in reply["errors"])
        assert "No start of service (service_start)" in messages, reply
        assert "No position eligibility (position_eligible)" in messages, reply
        indonesian = client.call("REQUEST.SUBMIT", {"key": "deny-id", "as": bare[0]["nip"], "kind": "rumah",
                                                    "dates": [week_days(0)[2]], "location": "Rumah",
                                                    "reason": "Data"})
        assert "Tanggal mulai masa kerja (service_start) tidak tercatat" in indonesian["message"], indonesian
        # missing = allow: the same people may apply (the NIP's appointment month stands in
        # for the start of service), and their final approval passes
        ok(client.call("POLICY.SET", {"key": "p2", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": CHAIN + "[eligibility]\nmissing = allow\n"}))
        for n, person in enumerate(bare[:3]):
            rid = ok(submit(person, "allow", n), person["name"])["request_id"]
            wait_until("pending", lambda: state_of(client, rid) == "pending", 20)
            assert ok(client.call("APPROVAL.DECIDE", {"key": "d", "as": bkd["nip"], "request_id": rid,
                                                      "decision": "approve"}))["state"] == "approved"
        # A request submitted under allow keeps the rules it was judged by when the policy is
        # tightened while it waits; a new one is judged by the new ones
        waiting = ok(submit(bare[1], "allow-waiting", 5))["request_id"]
        wait_until("pending", lambda: state_of(client, waiting) == "pending", 20)
        ok(client.call("POLICY.SET", {"key": "p3", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": CHAIN + "[eligibility]\nmissing = deny\n"}))
        assert error_codes(submit(bare[1], "deny-again", 4)) == {"POSITION_ELIGIBILITY_MISSING"}
        assert ok(client.call("APPROVAL.DECIDE", {"key": "d", "as": bkd["nip"], "request_id": waiting,
                                                  "decision": "approve"}))["state"] == "approved"
        system.assert_alive()


def test_only_the_final_step_judges_again():
    """In a chain atasan -> bkd a sanction recorded while the request waits does not stop the
    atasan's assessment; it stops the BKD's decision, the final approval."""
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    bkd = employee(make_nip(900), "Petugas BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ["pegawai", "bkd"])
    chain = ("[chain]\nstep = atasan, sla_hours=24, on_timeout=remind\n"
             "step = bkd, sla_hours=72, on_timeout=remind\n")
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": chain}))
        person = org.staff[0]
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": person["nip"], "kind": "rumah",
                                                "dates": [week_days(1)[2]], "location": "Rumah",
                                                "reason": "Dua tahap"}))["request_id"]
        wait_until("pending", lambda: state_of(client, rid) == "pending", 20)
        reimport(client, person, "sanction", sanctions="%s.." % today_wib().isoformat())
        assert ok(client.call("APPROVAL.DECIDE", {"key": "a", "as": person["supervisor_nip"],
                                                  "request_id": rid, "decision": "approve",
                                                  "tasks_fit": True, "targets_measurable": True}))[
            "state"] == "pending"
        reply = client.call("APPROVAL.DECIDE", {"key": "b", "as": bkd["nip"], "request_id": rid,
                                                "decision": "approve"})
        assert reply["code"] == "SANCTIONED", reply
        got = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert got["state"] == "pending" and got["step"] == 2 and got["step_role"] == "bkd", got
