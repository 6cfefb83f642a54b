"""The approval chain from the policy, end to end: atasan -> kepala_opd -> bkd, each step
decided only by its role holders, each told in their inbox, all in the audit trail; and OPD
capacity at final approval under a race of parallel decisions through two approvals
instances: exactly as many approved as the capacity admits."""

import msgpack

from harness import System, Org, employee, import_rows, make_nip, ok, wait_until, weekly_monday

CHAIN = """[chain]
step = atasan, sla_hours=24, on_timeout=remind
step = kepala_opd, sla_hours=48, on_timeout=escalate
step = bkd, sla_hours=72, on_timeout=expire
"""


def pending_for(client, nip, request_id):
    reply = client.call("APPROVAL.LIST", {"as": nip})
    return reply.get("status") == "ok" and any(r["request_id"] == request_id for r in reply["requests"])


def test_three_step_chain():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    bkd = employee(make_nip(900), "Petugas BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ["pegawai", "bkd"])
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": CHAIN}))
        staff = org.staff[0]
        atasan = staff["supervisor_nip"]
        kepala = org.kepala["DINKES"]["nip"]
        reply = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": staff["nip"], "kind": "rumah",
                                                  "dates": [weekly_monday(1)], "location": "Rumah",
                                                  "reason": "Tiga tahap"}))
        rid = reply["request_id"]
        steps = [(atasan, "atasan"), (kepala, "kepala_opd"), (bkd["nip"], "bkd")]
        for n, (approver, role) in enumerate(steps):
            wait_until("step %d for %s" % (n + 1, role), lambda: pending_for(client, approver, rid), 15)
            request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
            assert (request["step"], request["steps"], request["step_role"]) == (n + 1, 3, role), request
            # Nobody else decides this step: not the previous approver, not the employee
            for other in {atasan, kepala, bkd["nip"], staff["nip"]} - {approver}:
                refused = client.call("APPROVAL.DECIDE", {"key": "x%d%s" % (n, other), "as": other,
                                                          "request_id": rid, "decision": "approve"})
                assert refused["code"] in ("NOT_YOUR_DECISION", "NOT_PENDING"), refused
            decided = ok(client.call("APPROVAL.DECIDE", {"key": "d%d" % n, "as": approver,
                                                         "request_id": rid, "decision": "approve",
                                                         "note": "setuju %s" % role}))
            assert decided["state"] == ("approved" if n == 2 else "pending"), decided
            # The inbox entry comes through the outbox: it may trail the step by a moment
            wait_until("%s told of step %d" % (role, n + 1), lambda: any(
                e["request_id"] == rid and e["type"] == "approval.pending"
                for e in ok(client.call("INBOX.LIST", {"as": approver}))["entries"]), 15)
        trail = ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]
        approvals = [(e["actor"], e["role"], e["to"]) for e in trail if e["action"] == "approve"]
        assert approvals == [(atasan, "atasan", "pending"), (kepala, "kepala_opd", "pending"),
                             (bkd["nip"], "bkd", "approved")], trail
        wait_until("the employee to hear", lambda: any(
            e["type"] == "request.approved" for e in
            client.call("INBOX.LIST", {"as": staff["nip"]}).get("entries", [])), 15)


def test_capacity_race_exactly_the_quota_approved():
    org = Org(opds=("DINKES",), supervisors=5, staff=10)       # 50 staff, 5 atasan
    day = weekly_monday(1)
    with System({"approvals": 2}, verbose=False) as system:
        clients = [system.client() for _ in range(5)]
        import_rows(clients[0], org.rows)
        ok(clients[0].call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                          "text": "[capacity]\nmax_people_per_day = 10\n"}))
        ids = []
        for n, staff in enumerate(org.staff):
            reply = ok(clients[0].call("REQUEST.SUBMIT", {"key": "c%d" % n, "as": staff["nip"],
                                                          "kind": "rumah", "dates": [day],
                                                          "location": "Rumah", "reason": "Kuota"}))
            ids.append((reply["request_id"], staff["supervisor_nip"]))
        for rid, approver in ids:
            wait_until("pending", lambda: pending_for(clients[0], approver, rid), 15)
        # All 50 decisions at once, spread over five sockets and two approvals instances
        for n, (rid, approver) in enumerate(ids):
            clients[n % 5].sock.send_multipart(clients[n % 5]._prepare("APPROVAL.DECIDE", {
                "key": "race-%d" % n, "as": approver, "request_id": rid, "decision": "approve"})[1])
        replies = []
        for n, client in enumerate(clients):
            for _ in ids[n::5]:
                assert client.sock.poll(15000), "no reply"
                replies.append(msgpack.unpackb(client.sock.recv_multipart()[1], raw=False))
        approved = [r for r in replies if r["status"] == "ok"]
        refused = [r for r in replies if r["status"] != "ok"]
        assert len(approved) == 10, "%d approved" % len(approved)
        assert {r["code"] for r in refused} == {"CAPACITY_FULL"}, refused[:3]
        assert "10 of 10" in refused[0]["message"], refused[0]
        listed = ok(clients[0].call("REQUEST.LIST", {"pemda": org.pemda, "state": "approved", "limit": 100}))
        assert listed["count"] == 10, listed
        still = ok(clients[0].call("REQUEST.LIST", {"pemda": org.pemda, "state": "pending", "limit": 100}))
        assert still["count"] == 40, still
