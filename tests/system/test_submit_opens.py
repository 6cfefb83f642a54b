"""The chain opens where it is decided: REQUEST.SUBMIT opens step 1 in the same atomic step
that accepts the request, so its reply already says `pending`, the step and the approver,
with no event consumed in between (approvals is not even running), and the outbox holds
request.submitted and approval.pending from that one step. A resubmission opens step 1
again the same way; a step whose role nobody holds waits visibly (NO_APPROVER) from the
first reply on."""

from harness import System, Org, import_rows, ok, staffed, weekly_monday

KEPALA_FIRST = """[chain]
step = kepala_opd, sla_hours=24, on_timeout=remind
step = bkd, sla_hours=24, on_timeout=remind
"""


def submit(client, nip, key, dates, **extra):
    body = {"key": key, "as": nip, "kind": "rumah", "dates": dates, "location": "Rumah",
            "reason": "Menyusun laporan"}
    body.update(extra)
    return client.call("REQUEST.RESUBMIT" if "request_id" in extra else "REQUEST.SUBMIT", body)


def outbox_types(system, pemda):
    """The types of the pemda's outbox events about requests and approvals, oldest first
    (redis-cli prints each field of XRANGE on a line of its own)."""
    lines = system.redis("XRANGE", "wfa:{%s}:events" % pemda, "-", "+").splitlines()
    return [lines[n + 1] for n, line in enumerate(lines[:-1])
            if line == "type" and lines[n + 1].startswith(("request.", "approval."))]


def test_submit_reply_is_pending_with_its_approver_without_approvals_running():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=2))
        staff = org.staff[0]
        atasan = staff["supervisor_nip"]
        # Nobody consumes anything from here on: approvals is down
        system.kill9("approvals")
        reply = ok(submit(client, staff["nip"], "s1", [weekly_monday(1)]))
        rid = reply["request_id"]
        assert (reply["state"], reply["step"], reply["approver"]) == ("pending", 1, atasan), reply
        # What is stored says the same at once, without waiting for anything
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert (request["state"], request["step"], request["step_role"], request["approver"]) == \
            ("pending", 1, "atasan", atasan), request
        assert [(h["action"], h["from"], h["to"]) for h in request["history"]] == \
            [("submit", "", "submitted"), ("open_step", "submitted", "pending")], request["history"]
        # One step wrote both events, in order
        assert outbox_types(system, org.pemda) == ["request.submitted", "approval.pending"]
        # A retry gets the same answer
        again = ok(submit(client, staff["nip"], "s1", [weekly_monday(1)]))
        assert (again["request_id"], again["state"], again["step"], again["approver"]) == \
            (rid, "pending", 1, atasan), again
        # Back up, approvals finds it in the approver's list straight away
        system.start("approvals", 0)
        listed = ok(client.call("APPROVAL.LIST", {"as": atasan}))
        assert [r["request_id"] for r in listed["requests"]] == [rid], listed

        # Returned for revision, then resubmitted: the chain opens again in that step
        ok(client.call("APPROVAL.DECIDE", {"key": "r", "as": atasan, "request_id": rid,
                                           "decision": "return", "note": "Perbaiki"}))
        system.kill9("approvals", 0)
        again = ok(submit(client, staff["nip"], "s2", [weekly_monday(1)], request_id=rid))
        assert (again["request_id"], again["state"], again["step"], again["approver"]) == \
            (rid, "pending", 1, atasan), again


def test_submit_reply_shows_a_step_nobody_can_decide():
    """A first step whose role nobody holds: accepted, pending at step 1 with no approver,
    waiting (NO_APPROVER) for the BKD and admin pemda to see, in the first reply."""
    org = Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=1)
    org.kepala["DISDIK"]["roles"] = ["pegawai", "atasan"]     # DISDIK: no kepala_opd on record
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": KEPALA_FIRST}))
        staff = [s for s in org.staff if org.opd_of[s["nip"]] == "DISDIK"][0]
        reply = ok(submit(client, staff["nip"], "s", [weekly_monday(1)]))
        assert (reply["state"], reply["step"], reply["approver"]) == ("pending", 1, ""), reply
        request = ok(client.call("REQUEST.GET", {"request_id": reply["request_id"]}))["request"]
        assert (request["state"], request["step_role"], request.get("waiting")) == \
            ("pending", "kepala_opd", "NO_APPROVER"), request
        assert outbox_types(system, org.pemda) == ["request.submitted", "approval.no_approver"]
