"""The approval chain, end to end: by default atasan -> kepala_opd -> bkd, each step
decided only by its role holders, each recording what the regulation asks of it (the
atasan's assessment, the kepala OPD's proposal, the BKD's decision with its approval
number), each told in their inbox, all in the audit trail; approval numbers per pemda and
year without gaps; and OPD capacity at final approval under a race of parallel decisions
through two approvals instances: exactly as many approved as the capacity admits."""

import datetime
import subprocess
import time

import msgpack

from harness import (STEP_FIELDS, System, Org, approve_chain, awaiting, binary, clock_offset_ms,
                     import_rows, ok, today_wib, wait_until, weekly_monday, wfactl_env)

CHAIN = """[chain]
step = atasan, sla_hours=24, on_timeout=remind
step = kepala_opd, sla_hours=48, on_timeout=escalate
step = bkd, sla_hours=72, on_timeout=expire
"""


def pending_for(client, nip, request_id):
    reply = client.call("APPROVAL.LIST", {"as": nip})
    return reply.get("status") == "ok" and any(r["request_id"] == request_id for r in reply["requests"])


def test_three_step_chain():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": CHAIN}))
        staff = org.staff[0]
        atasan = staff["supervisor_nip"]
        kepala = org.kepala["DINKES"]["nip"]
        bkd = org.bkd
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
            # The step's own record is required: without it the approval is refused, and
            # nothing moves
            if STEP_FIELDS[role]:
                refused = client.call("APPROVAL.DECIDE", {"key": "m%d" % n, "as": approver,
                                                          "request_id": rid, "decision": "approve"})
                assert refused["code"] == "ASSESSMENT_MISSING", refused
                first, second = list(STEP_FIELDS[role])
                assert refused["field"] == first, refused
                # Half of it, or a "no", is not an approval either
                for half in ({first: True}, {first: True, second: False}):
                    body = {"key": "h%d%d" % (n, len(half)), "as": approver, "request_id": rid,
                            "decision": "approve"}
                    body.update(half)
                    refused = client.call("APPROVAL.DECIDE", body)
                    assert refused["code"] == "ASSESSMENT_MISSING" and refused["field"] == second, refused
                assert ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["step"] == n + 1
            body = {"key": "d%d" % n, "as": approver, "request_id": rid, "decision": "approve",
                    "note": "setuju %s" % role}
            body.update(STEP_FIELDS[role])
            decided = ok(client.call("APPROVAL.DECIDE", body))
            assert decided["state"] == ("approved" if n == 2 else "pending"), decided
            assert ("approval_number" in decided) == (n == 2), decided
            # The inbox entry comes through the outbox: it may trail the step by a moment
            wait_until("%s told of step %d" % (role, n + 1), lambda: any(
                e["request_id"] == rid and e["type"] == "approval.pending"
                for e in ok(client.call("INBOX.LIST", {"as": approver}))["entries"]), 15)
        # The approval number: per pemda and local year, the first of the year
        year = today_wib().year
        number = decided["approval_number"]
        assert number == "000001/WFA/%s/%d" % (org.pemda, year), number
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert request["approval_number"] == number, request
        assessment, proposal = request["assessment"], request["proposal"]
        assert (assessment["tasks_fit"], assessment["targets_measurable"], assessment["by"]) == \
            (True, True, atasan), assessment
        assert (proposal["service_continues"], proposal["capacity_ok"], proposal["by"]) == \
            (True, True, kepala), proposal
        assert proposal["capacity_seen"] == "%s: 0 away" % weekly_monday(1), proposal
        trail = ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]
        approvals = [(e["actor"], e["role"], e["to"]) for e in trail if e["action"] == "approve"]
        assert approvals == [(atasan, "atasan", "pending"), (kepala, "kepala_opd", "pending"),
                             (bkd["nip"], "bkd", "approved")], trail
        reasons = [e["reason"] for e in trail if e["action"] == "approve"]
        assert reasons[0].startswith("[tasks_fit=yes targets_measurable=yes]"), reasons
        assert reasons[1].startswith("[service_continues=yes capacity_ok=yes]"), reasons
        assert reasons[2].startswith("[nomor persetujuan %s]" % number), reasons
        wait_until("the employee to hear, with the number", lambda: any(
            e["type"] == "request.approved" and number in e["message_id"] and number in e["message_en"]
            for e in client.call("INBOX.LIST", {"as": staff["nip"]}).get("entries", [])), 15)

        # Numbers have no gaps: a refused final approval (the OPD is full) takes none, and
        # the next approval gets the next number
        ok(client.call("POLICY.SET", {"key": "p2", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": CHAIN + "[capacity]\nmax_people_per_day = 1\n"}))
        other = org.staff[1]
        full = ok(client.call("REQUEST.SUBMIT", {"key": "f", "as": other["nip"], "kind": "rumah",
                                                 "dates": [weekly_monday(1)], "location": "Rumah",
                                                 "reason": "Penuh"}))["request_id"]
        last = approve_chain(client, full, final=False)
        refused = client.call("APPROVAL.DECIDE", {"key": "f", "as": bkd["nip"], "request_id": full,
                                                  "decision": "approve"})
        assert refused["code"] == "CAPACITY_FULL", refused
        assert "approval_number" not in ok(client.call("REQUEST.GET", {"request_id": full}))["request"]
        free = ok(client.call("REQUEST.SUBMIT", {"key": "g", "as": other["nip"], "kind": "rumah",
                                                 "dates": [weekly_monday(2)], "location": "Rumah",
                                                 "reason": "Bebas"}))["request_id"]
        assert last["step_role"] == "bkd"
        second = approve_chain(client, free)
        assert second["approval_number"] == "000002/WFA/%s/%d" % (org.pemda, year), second


def test_policy_chain_must_end_with_the_ppk_decision():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        # A chain that ends without the BKD is refused, with the rule, on the line of its
        # last step, in both languages; the policy in force stays
        text = "[chain]\nstep = atasan, sla_hours=24, on_timeout=remind\n" \
               "step = kepala_opd, sla_hours=48, on_timeout=remind\n"
        for lang, words in (("id", ("harus bkd", "pasal 12")), ("en", ("must be bkd", "art. 12"))):
            refused = client.call("POLICY.SET", {"key": "bad-" + lang, "pemda": org.pemda, "lang": lang,
                                                 "as": org.sekda["nip"], "text": text})
            assert refused["code"] == "POLICY_INVALID", refused
            lines = [e for e in refused["errors"] if e.get("index") == 3]
            assert lines and all(w in lines[0]["message"] for w in words), refused
        shown = ok(client.call("POLICY.GET", {"pemda": org.pemda}))
        assert "step = bkd" in shown["text"], shown
        # A pemda whose PPK delegated the decision to the kepala OPD names it, and its
        # two-step chain is the whole flow: the kepala OPD's approval takes the number
        ok(client.call("POLICY.SET", {"key": "ok", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": text.replace("[chain]\n", "[chain]\nppk_delegate = kepala_opd\n")}))
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": org.staff[0]["nip"], "kind": "rumah",
                                                "dates": [weekly_monday(1)], "location": "Rumah",
                                                "reason": "Dua tahap"}))["request_id"]
        final = approve_chain(client, rid)
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert (request["steps"], request["decided_by"]) == (2, org.kepala["DINKES"]["nip"]), request
        assert final["approval_number"].startswith("000001/WFA/"), final


def test_no_approver_waits_visibly_until_someone_holds_the_role():
    org = Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=1)
    # DISDIK has no kepala_opd on record: its kepala holds only pegawai and atasan
    kepala = org.kepala["DISDIK"]
    kepala["roles"] = ["pegawai", "atasan"]
    staff = [s for s in org.staff if org.opd_of[s["nip"]] == "DISDIK"][0]
    admin = org.sekda
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": staff["nip"], "kind": "rumah",
                                                "dates": [weekly_monday(1)], "location": "Rumah",
                                                "reason": "Tanpa kepala"}))["request_id"]
        # The atasan's step opens and is approved; the kepala_opd step then waits
        first = awaiting(client, rid)
        body = {"key": "a", "as": first["approver"], "request_id": rid, "decision": "approve"}
        body.update(STEP_FIELDS["atasan"])
        assert ok(client.call("APPROVAL.DECIDE", body))["state"] == "pending"
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert (request["state"], request["step"], request["step_role"], request["approver"],
                request.get("waiting")) == ("pending", 2, "kepala_opd", "", "NO_APPROVER"), request
        assert "step_due" not in request, request        # no SLA runs while nobody can decide
        # Visible to the BKD and the admin pemda: in their approvals and their inbox; to
        # the figures (METRICS.GET) and the Prometheus gauge of the approvals service
        for watcher in (org.bkd["nip"], admin["nip"]):
            listed = ok(client.call("APPROVAL.LIST", {"as": watcher}))
            assert [r["request_id"] for r in listed["no_approver"]] == [rid], listed
            wait_until("%s told" % watcher, lambda: any(
                e["type"] == "approval.no_approver" and e["request_id"] == rid
                for e in ok(client.call("INBOX.LIST", {"as": watcher}))["entries"]), 15)
            # The sentences, made by wfa-notifications from the event's facts
            told = [e for e in ok(client.call("INBOX.LIST", {"as": watcher}))["entries"]
                    if e["type"] == "approval.no_approver"]
            assert [(e["message_id"], e["message_en"]) for e in told] == [(
                "Pengajuan %s dari %s (%s) menunggu: tidak ada pemegang peran kepala_opd of DISDIK "
                "yang dapat memutuskan tahap 2" % (rid, staff["name"], staff["nip"]),
                "Request %s from %s (%s) waits: nobody on record holds kepala_opd of DISDIK to "
                "decide step 2" % (rid, staff["name"], staff["nip"]))], told
        # Not to whoever has no part in it
        assert "no_approver" not in ok(client.call("APPROVAL.LIST", {"as": first["approver"]}))
        # On the first page only: a later page of the BKD's own list leaves it out
        other = [s for s in org.staff if org.opd_of[s["nip"]] == "DINKES"][0]
        for week in (2, 3):
            at_bkd = ok(client.call("REQUEST.SUBMIT", {"key": "w%d" % week, "as": other["nip"], "kind": "rumah",
                                                       "dates": [weekly_monday(week)], "location": "Rumah",
                                                       "reason": "Ke BKD"}))["request_id"]
            approve_chain(client, at_bkd, final=False)
        page = ok(client.call("APPROVAL.LIST", {"as": org.bkd["nip"], "limit": 1}))
        assert len(page["requests"]) == 1 and page["next_cursor"] and \
            [r["request_id"] for r in page["no_approver"]] == [rid], page
        later = ok(client.call("APPROVAL.LIST", {"as": org.bkd["nip"], "limit": 1, "cursor": page["next_cursor"]}))
        assert len(later["requests"]) == 1 and "no_approver" not in later, later
        figures = ok(client.call("METRICS.GET", {"pemda": org.pemda, "as": org.bkd["nip"]}))
        assert figures["no_approver"] == 1, figures
        by_opd = ok(client.call("METRICS.GET", {"pemda": org.pemda, "opd": "DINKES", "as": org.bkd["nip"]}))
        assert by_opd["no_approver"] == 0, by_opd
        import urllib.request
        addr = system.metrics_addr("approvals")
        def gauge():
            text = urllib.request.urlopen("http://%s/metrics" % addr, timeout=5).read().decode()
            return [line for line in text.splitlines()
                    if line.startswith("wfa_requests_no_approver{") and 'pemda="%s"' % org.pemda in line]
        wait_until("the gauge", lambda: [l for l in gauge() if l.endswith(" 1")], 15)
        # And through wfactl: the BKD's approvals and the status of the pemda
        env = wfactl_env(system, people=[org.bkd["nip"], admin["nip"]])
        out = subprocess.run([binary("wfactl"), "approvals", "--as", org.bkd["nip"]], env=env,
                             capture_output=True, text=True, timeout=30).stdout
        assert "NO_APPROVER  kepala_opd  %s" % rid in out, out
        assert "1 request(s) waiting with NO_APPROVER" in out, out
        out = subprocess.run([binary("wfactl"), "status", "--pemda", org.pemda, "--as", admin["nip"]],
                             env=env, capture_output=True, text=True, timeout=30).stdout
        assert "(%s): 1 request(s) waiting with NO_APPROVER" % org.pemda in out, out
        # Nobody decides it meanwhile, not even the BKD
        refused = client.call("APPROVAL.DECIDE", {"key": "b", "as": org.bkd["nip"], "request_id": rid,
                                                  "decision": "approve"})
        assert refused["code"] == "NOT_YOUR_DECISION", refused
        # The next two weeks' working days are days off (but the request's own day): the
        # step that opens later counts its 48 hours in working time from then, as any step
        request_day = weekly_monday(1)
        days_off = [d for d in (today_wib() + datetime.timedelta(days=n) for n in range(1, 15))
                    if d.weekday() < 5 and d.isoformat() != request_day]
        ok(client.call("CALENDAR.SET", {"key": "off", "pemda": org.pemda, "as": admin["nip"],
                                        "days": [{"date": d.isoformat(), "kind": "lokal", "name": "Libur uji"}
                                                 for d in days_off]}))
        before_ms = time.time() * 1000 + clock_offset_ms()
        # The admin pemda gives the role (a re-import): the step opens for the new kepala_opd
        kepala["roles"] = ["pegawai", "atasan", "kepala_opd"]
        ok(client.call("EMPLOYEE.IMPORT", {"key": "again", "as": admin["nip"], "rows": [kepala]}))
        wait_until("the waiting step to open", lambda: pending_for(client, kepala["nip"], rid), 15)
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert "waiting" not in request and request["approver"] == kepala["nip"], request
        hours = (request["step_due"] - before_ms) / 3600000
        assert hours > 48 + 24 * (len(days_off) - 1), (hours, len(days_off), request)
        assert ok(client.call("METRICS.GET", {"pemda": org.pemda, "as": org.bkd["nip"]}))["no_approver"] == 0
        wait_until("the gauge to fall", lambda: [l for l in gauge() if l.endswith(" 0")], 15)
        final = approve_chain(client, rid)
        assert final["state"] == "approved", final
        trail = [e["action"] for e in ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]]
        assert trail.count("no_approver") == 1 and "skip_step" not in trail, trail


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
            ids.append(reply["request_id"])
        # Each through the atasan and kepala OPD steps; the BKD decides the final step
        ids = [(rid, approve_chain(clients[0], rid, final=False)["approver"]) for rid in ids]
        assert {approver for _, approver in ids} == {org.bkd["nip"]}, ids
        # All 50 final decisions at once, spread over five sockets and two approvals instances
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
        # The ten approvals took the numbers 1 to 10, the refusals none
        numbers = sorted(r["approval_number"] for r in approved)
        assert numbers == ["%06d/WFA/%s/%d" % (n, org.pemda, today_wib().year) for n in range(1, 11)], numbers


def test_a_resubmission_is_assessed_anew():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        staff = org.staff[0]
        body = {"key": "s", "as": staff["nip"], "kind": "rumah", "dates": [weekly_monday(1)],
                "location": "Rumah", "reason": "Pertama"}
        rid = ok(client.call("REQUEST.SUBMIT", body))["request_id"]
        first = awaiting(client, rid)
        ok(client.call("APPROVAL.DECIDE", dict(STEP_FIELDS["atasan"], key="a", request_id=rid,
                                               decision="approve", **{"as": first["approver"]})))
        # The kepala OPD sends it back, saying the unit cannot spare the person that day
        returned = ok(client.call("APPROVAL.DECIDE", {
            "key": "k", "as": org.kepala["DINKES"]["nip"], "request_id": rid, "decision": "return",
            "note": "Layanan kurang orang", "service_continues": False}))
        assert returned["state"] == "returned", returned
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert request["assessment"]["tasks_fit"] is True, request
        assert request["proposal"]["service_continues"] is False and "capacity_ok" not in request["proposal"]
        # Resubmitted: the new round is assessed anew, from the atasan on
        ok(client.call("REQUEST.RESUBMIT", dict(body, key="r", request_id=rid,
                                                dates=[weekly_monday(2)], reason="Kedua")))
        again = awaiting(client, rid)
        assert again["step_role"] == "atasan" and "assessment" not in again and "proposal" not in again
        assert approve_chain(client, rid)["approval_number"]
