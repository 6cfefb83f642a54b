"""A deterministic load of requests: submit -> wait until pending -> decide through the
default chain (atasan, kepala OPD, BKD) -> verify.

Shared by test_load.py, test_crash.py and test_instances.py.
"""

import collections
import time

from harness import (RETRYABLE, STEP_FIELDS, Org, import_rows, ok, submit_body, wait_until,
                     weekly_monday, REQUEST_ID_RE)

KINDS = ("rumah", "kantor_lain", "lokasi_lain")
DECISION_TYPES = {"request.approved": "approved", "request.rejected": "rejected"}


def load_org(staff_per_supervisor=17, supervisors=3):
    """Pemda 35.08, 3 OPDs, `supervisors` atasan per OPD."""
    return Org(pemda="35.08", opds=("DINKES", "DISDIK", "BAPPEDA"),
               supervisors=supervisors, staff=staff_per_supervisor)


class Load:
    """n requests spread over the org's staff; request i is rejected by its atasan when
    i % 3 == 2, else approved at every step of the default chain: the atasan, the kepala
    OPD, the BKD officer. Every call has a fixed idempotency key."""

    def __init__(self, org, n, tag="load"):
        self.org = org
        self.items = []
        dates_cache = {}
        for i in range(n):
            emp = org.staff[i % len(org.staff)]
            j = i // len(org.staff)            # this employee's j-th request: its own date
            if j not in dates_cache:
                dates_cache[j] = [weekly_monday(j)]     # one day a week: within the cap
            body = submit_body(emp["nip"], dates_cache[j], "%s-sub-%d" % (tag, i),
                               kind=KINDS[i % 3], reason="Alasan %d" % i,
                               plan=["Rencana %d" % i])
            decision = "reject" if i % 3 == 2 else "approve"
            steps = [(emp["supervisor_nip"], "atasan")]
            if decision == "approve":
                steps += [(org.kepala[emp["opd"]]["nip"], "kepala_opd"), (org.bkd["nip"], "bkd")]
            self.items.append({
                "i": i, "nip": emp["nip"], "opd": emp["opd"],
                "approver": emp["supervisor_nip"], "submit": body,
                "decision": decision, "steps": steps, "step": 0,
                "decide_key": "%s-dec-%d" % (tag, i),
                "request_id": None, "state": None,
            })

    # -- submit

    def submit(self, client, on_reply=None, retries=3, deadline_s=60):
        """Submit everything; calls that got no answer are sent again (same key) until
        they are answered or deadline_s passes. Every submit must end ok."""
        calls = [("REQUEST.SUBMIT", item["submit"]) for item in self.items]
        replies = client.call_many(calls, retries=retries, on_reply=on_reply)
        self._take_submits(self.items, replies)
        deadline = time.monotonic() + deadline_s
        while True:
            missing = [item for item in self.items if item["request_id"] is None]
            if not missing or time.monotonic() > deadline:
                break
            replies = client.call_many([("REQUEST.SUBMIT", item["submit"]) for item in missing],
                                       retries=retries)
            self._take_submits(missing, replies)
        missing = [item for item in self.items if item["request_id"] is None]
        assert not missing, "%d submits never answered ok, e.g. %r" % (len(missing), missing[0])
        ids = [item["request_id"] for item in self.items]
        assert len(set(ids)) == len(ids), "two submits got the same request_id"

    def _take_submits(self, items, replies):
        for item, reply in zip(items, replies):
            if reply.get("code") == "TIMEOUT" or reply.get("code") in RETRYABLE:
                continue   # not answered: sent again later with the same key
            ok(reply, "REQUEST.SUBMIT %s" % item["submit"]["key"])
            assert REQUEST_ID_RE.match(reply["request_id"]), reply
            assert reply["state"] == "pending" and reply["approver"], reply
            item["request_id"] = reply["request_id"]

    # -- wait until every request awaits its approver

    def by_approver(self):
        out = collections.defaultdict(list)
        for item in self.items:
            out[item["approver"]].append(item)
        return out

    def wait_pending(self, client, timeout=60):
        groups = self.by_approver()
        waiting = set(groups)
        last = {}

        def all_pending():
            approvers = sorted(waiting)
            replies = client.call_many([("APPROVAL.LIST", {"as": a, "limit": 1000})
                                        for a in approvers])
            for approver, reply in zip(approvers, replies):
                if reply.get("status") != "ok":
                    continue
                listed = {r["request_id"] for r in reply["requests"]}
                want = {item["request_id"] for item in groups[approver]}
                last[approver] = len(want - listed)
                if want <= listed:
                    waiting.discard(approver)
            return not waiting

        try:
            wait_until("every request to await its approver", all_pending, timeout, 0.2)
        except AssertionError:
            raise AssertionError("requests still not pending after %ds (missing per approver: %r)"
                                 % (timeout, {a: last.get(a) for a in waiting}))

    # -- decide

    def decide(self, client, on_reply=None, retries=3, deadline_s=60):
        """Each request through its steps: a round of calls per step of the chain (the
        next step opens in the same Lua step as a decision, so a round follows at once)."""
        deadline = time.monotonic() + deadline_s
        while True:
            due = [item for item in self.items if item["state"] is None]
            if not due or time.monotonic() > deadline:
                break
            replies = client.call_many([("APPROVAL.DECIDE", self.decide_body(item)) for item in due],
                                       retries=retries, on_reply=on_reply)
            self._take_decides(due, replies)
        missing = [item for item in self.items if item["state"] is None]
        assert not missing, "%d decides never answered ok, e.g. %r" % (len(missing), missing[0])

    def decide_body(self, item):
        approver, role = item["steps"][item["step"]]
        last = item["step"] == len(item["steps"]) - 1
        body = {"key": "%s-%d" % (item["decide_key"], item["step"]), "as": approver,
                "request_id": item["request_id"],
                "decision": item["decision"] if last else "approve",
                "note": "catatan %d" % item["i"]}
        if body["decision"] == "approve":
            body.update(STEP_FIELDS[role])
        return body

    def _take_decides(self, items, replies):
        for item, reply in zip(items, replies):
            if reply.get("code") == "TIMEOUT" or reply.get("code") in RETRYABLE:
                continue   # not answered: sent again later with the same key
            ok(reply, "APPROVAL.DECIDE %s (%s)" % (item["decide_key"], item["request_id"]))
            last = item["step"] == len(item["steps"]) - 1
            want = ("approved" if item["decision"] == "approve" else "rejected") if last else "pending"
            assert reply["request_id"] == item["request_id"] and reply["state"] == want, \
                "DECIDE %s: expected %s, got %r" % (item["request_id"], want, reply)
            if last:
                item["state"] = want
            else:
                item["step"] += 1

    # -- verify

    def expected_metrics(self, opd=None):
        items = [it for it in self.items if opd is None or it["opd"] == opd]
        return {"submitted": len(items),
                "approved": sum(1 for it in items if it["state"] == "approved"),
                "rejected": sum(1 for it in items if it["state"] == "rejected"),
                "pending": 0}

    def verify(self, client, timeout=60, settle_s=2.5):
        """Every request final, inbox entries exactly once, metrics exact.
        Converge with a deadline, then wait settle_s and check again that nothing
        was added twice by a late redelivery."""
        self.verify_requests(client)
        self._converge("inbox entries", lambda: self.inbox_problems(client), timeout)
        self._converge("metrics", lambda: self.metrics_problems(client), timeout)
        time.sleep(settle_s)
        problems = self.inbox_problems(client) + self.metrics_problems(client)
        assert not problems, "after settling: %s" % "; ".join(problems[:20])

    def _converge(self, what, problems_now, timeout):
        last = []

        def clean():
            last[:] = problems_now()
            return not last
        try:
            wait_until(what, clean, timeout, 0.25)
        except AssertionError:
            raise AssertionError("%s did not converge in %ds: %d problems, e.g. %s"
                                 % (what, timeout, len(last), "; ".join(last[:20])))

    def verify_requests(self, client):
        replies = client.call_many([("REQUEST.GET", {"request_id": it["request_id"]})
                                    for it in self.items])
        for item, reply in zip(self.items, replies):
            ok(reply, "REQUEST.GET %s" % item["request_id"])
            r = reply["request"]
            assert r["state"] == item["state"], \
                "%s: state %r, expected %r" % (item["request_id"], r["state"], item["state"])
            final_by = item["steps"][-1][0]
            assert r["nip"] == item["nip"] and r["approver"] == final_by, r
            assert r["decided_by"] == final_by, r
            assert ("approval_number" in r) == (r["state"] == "approved"), r
        # Nothing more than what was accepted: REQUEST.LIST per OPD.
        by_opd = collections.defaultdict(set)
        for item in self.items:
            by_opd[item["opd"]].add(item["request_id"])
        for opd in self.org.opds:
            reply = ok(client.call("REQUEST.LIST", {"pemda": self.org.pemda, "opd": opd,
                                                    "limit": 1000}, timeout=10), "REQUEST.LIST")
            listed = [r["request_id"] for r in reply["requests"]]
            assert len(listed) == len(set(listed)), "REQUEST.LIST %s lists a request twice" % opd
            assert set(listed) == by_opd[opd], \
                "REQUEST.LIST opd=%s: %d listed, %d expected, extra %r, missing %r" % (
                    opd, len(listed), len(by_opd[opd]), sorted(set(listed) - by_opd[opd])[:5],
                    sorted(by_opd[opd] - set(listed))[:5])

    def inbox_problems(self, client):
        """Differences between the inboxes and 'one approval.pending per request for the
        approver of each step it reached, one decision entry per request for its employee,
        and for the employee one approval.pending per step their request reached'."""
        want_pending = collections.defaultdict(set)
        want_decided = collections.defaultdict(dict)
        steps_reached = {}
        for item in self.items:
            for approver, _ in item["steps"]:
                want_pending[approver].add(item["request_id"])
            want_decided[item["nip"]][item["request_id"]] = "request." + item["state"]
            steps_reached[item["request_id"]] = len(item["steps"])
        people = sorted(set(want_pending) | set(want_decided))
        replies = client.call_many([("INBOX.LIST", {"as": nip, "limit": 1000}) for nip in people])
        problems = []
        for nip, reply in zip(people, replies):
            if reply.get("status") != "ok":
                problems.append("INBOX.LIST %s: %r" % (nip, reply))
                continue
            entries = reply["entries"]
            if reply.get("count") != len(entries):
                problems.append("INBOX.LIST %s: count %r but %d entries"
                                % (nip, reply.get("count"), len(entries)))
            own = want_decided.get(nip, {})
            pending = collections.Counter(e["request_id"] for e in entries
                                          if e["type"] == "approval.pending" and e["request_id"] not in own)
            told = collections.Counter(e["request_id"] for e in entries
                                       if e["type"] == "approval.pending" and e["request_id"] in own)
            for rid in own:
                if told[rid] != steps_reached[rid]:
                    problems.append("%s was told of %d steps of their %s, not %d"
                                    % (nip, told[rid], rid, steps_reached[rid]))
            decided = collections.Counter(e["request_id"] for e in entries
                                          if e["type"] in DECISION_TYPES)
            types = {(e["request_id"], e["type"]) for e in entries if e["type"] in DECISION_TYPES}
            for rid in want_pending.get(nip, ()):
                if pending[rid] != 1:
                    problems.append("%s has %d approval.pending for %s" % (nip, pending[rid], rid))
            for rid in set(pending) - want_pending.get(nip, set()):
                problems.append("%s has an unexpected approval.pending for %s" % (nip, rid))
            for rid, typ in want_decided.get(nip, {}).items():
                if decided[rid] != 1:
                    problems.append("%s has %d decision entries for %s" % (nip, decided[rid], rid))
                elif (rid, typ) not in types:
                    problems.append("%s: decision entry for %s is not %s" % (nip, rid, typ))
            for rid in set(decided) - set(want_decided.get(nip, {})):
                problems.append("%s has an unexpected decision entry for %s" % (nip, rid))
        return problems

    def metrics_problems(self, client):
        problems = []
        scopes = [None] + list(self.org.opds)
        calls = [("METRICS.GET", {"pemda": self.org.pemda} if opd is None
                  else {"pemda": self.org.pemda, "opd": opd}) for opd in scopes]
        for opd, reply in zip(scopes, client.call_many(calls)):
            if reply.get("status") != "ok":
                problems.append("METRICS.GET opd=%s: %r" % (opd, reply))
                continue
            want = self.expected_metrics(opd)
            got = {k: reply.get(k) for k in want}
            if got != want:
                problems.append("METRICS.GET opd=%s: got %r, expected %r" % (opd, got, want))
            decided = want["approved"] + want["rejected"]
            if reply.get("lead_time", {}).get("count") != decided:
                problems.append("METRICS.GET opd=%s: lead_time.count %r, expected %d"
                                % (opd, reply.get("lead_time"), decided))
        return problems


def run_load(client, org, n, tag="load", on_submit=None, on_decide=None, retries=3):
    """Import the org, then submit -> pending -> decide for n requests. Returns the Load."""
    import_rows(client, org.rows, key_prefix=tag + "-import")
    load = Load(org, n, tag)
    load.submit(client, on_reply=on_submit, retries=retries)
    load.wait_pending(client)
    load.decide(client, on_reply=on_decide, retries=retries)
    return load
