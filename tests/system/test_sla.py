"""Deadlines that hold: with a short SLA hour, a step's reminder is sent once and an
escalation happens once, with two approvals instances running and one killed midway; a step
whose SLA says expire expires the request once, and the figures and inbox follow."""

import time

from harness import STEP_FIELDS, System, Org, import_rows, ok, wait_until, weekly_monday

HOUR_MS = 1000      # one SLA "hour" is a second here


def inbox_types(client, nip, rid):
    reply = client.call("INBOX.LIST", {"as": nip})
    return [e["type"] for e in reply.get("entries", []) if e["request_id"] == rid]


def audit_actions(client, rid):
    return [e["action"] for e in ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]]


def test_reminder_and_escalation_once_with_an_instance_killed():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    policy = ("[chain]\nstep = atasan, sla_hours=1, on_timeout=remind\n"
              "step = kepala_opd, sla_hours=2, on_timeout=escalate\n"
              "step = bkd, sla_hours=72, on_timeout=remind\n")
    with System({"approvals": 2}, extra_env={"WFA_SLA_HOUR_MS": str(HOUR_MS)}, verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
        staff = org.staff[0]["nip"]
        atasan = org.staff[0]["supervisor_nip"]
        kepala = org.kepala["DINKES"]["nip"]
        sekda = org.sekda["nip"]
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": staff, "kind": "rumah",
                                                "dates": [weekly_monday(1)], "location": "R",
                                                "reason": "SLA"}))["request_id"]
        wait_until("step 1", lambda: "approval.pending" in inbox_types(client, atasan, rid), 15)
        system.kill9("approvals", 0)              # one instance dies; the other keeps time
        wait_until("the reminder", lambda: "approval.reminder" in inbox_types(client, atasan, rid), 15)
        system.start("approvals", 0)
        time.sleep(3 * HOUR_MS / 1000)            # long past the deadline: no second reminder
        assert inbox_types(client, atasan, rid).count("approval.reminder") == 1
        assert audit_actions(client, rid).count("remind") == 1

        ok(client.call("APPROVAL.DECIDE", {"key": "d1", "as": atasan, "request_id": rid,
                                            "decision": "approve", **STEP_FIELDS["atasan"]}))
        wait_until("the escalation", lambda: "approval.escalated" in inbox_types(client, sekda, rid), 15)
        system.kill9("approvals", 1)
        system.start("approvals", 1)
        time.sleep(4 * HOUR_MS / 1000)
        assert inbox_types(client, sekda, rid).count("approval.escalated") == 1
        assert audit_actions(client, rid).count("escalate") == 1
        # The kepala is still an approver; the sekda may now decide too
        listed = ok(client.call("APPROVAL.LIST", {"as": sekda}))
        assert [r["request_id"] for r in listed["requests"]] == [rid], listed
        assert ok(client.call("APPROVAL.DECIDE", {"key": "d2", "as": sekda, "request_id": rid,
                                                  "decision": "approve", **STEP_FIELDS["kepala_opd"]}
                              ))["state"] == "pending"
        assert ok(client.call("APPROVAL.LIST", {"as": kepala}))["count"] == 0


def test_expiry_once():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    policy = "[chain]\nstep = bkd, sla_hours=1, on_timeout=expire\n"
    with System({"approvals": 2}, extra_env={"WFA_SLA_HOUR_MS": str(HOUR_MS)}, verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
        staff = org.staff[0]["nip"]
        day = weekly_monday(1)
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": staff, "kind": "rumah", "dates": [day],
                                                "location": "R", "reason": "SLA"}))["request_id"]
        wait_until("expired", lambda: ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["state"]
                   == "expired", 15)
        wait_until("the employee told", lambda: "request.expired" in inbox_types(client, staff, rid), 15)
        time.sleep(2)
        assert audit_actions(client, rid).count("expire") == 1
        assert inbox_types(client, staff, rid).count("request.expired") == 1

        def figures():
            got = ok(client.call("METRICS.GET", {"pemda": org.pemda}))
            return got["submitted"], got["pending"], got["expired"]
        wait_until("figures", lambda: figures() == (1, 0, 1), 15)
        # The day is free again
        ok(client.call("REQUEST.SUBMIT", {"key": "s2", "as": staff, "kind": "rumah", "dates": [day],
                                          "location": "R", "reason": "Lagi"}))
