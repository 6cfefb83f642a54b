"""The whole lifecycle through wfactl and the protocol: returned for revision and
resubmitted (history kept), cancelled by the employee (before a decision, before the start),
revoked by the kepala OPD from a date, and every allowed and forbidden transition of the
state table; the figures follow."""

import json
import os
import subprocess

from harness import ROOT, System, Org, ok, staffed, wait_until, weekly_monday, wfactl_env

WFACTL = os.path.join(ROOT, "build", "bin", "wfactl")


def run(system, *args):
    env = wfactl_env(system, args)
    result = subprocess.run([WFACTL, "--json"] + list(args), capture_output=True, text=True,
                            env=env, timeout=30)
    return result.returncode, json.loads(result.stdout)


def state_of(client, rid):
    return ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["state"]


def submit(system, client, nip, day, key):
    code, reply = run(system, "submit", "--as", nip, "--kind", "rumah", "--dates", day,
                      "--location", "Rumah", "--reason", "Uji siklus", "--key", key)
    assert code == 0, reply
    rid = reply["request_id"]
    wait_until("pending", lambda: state_of(client, rid) == "pending", 15)
    return rid


def test_return_resubmit_cancel_revoke():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=3))
        a, b, c = (s["nip"] for s in org.staff)
        atasan = org.staff[0]["supervisor_nip"]
        kepala = org.kepala["DINKES"]["nip"]

        # Returned for revision, then resubmitted with another day: history kept
        rid = submit(system, client, a, weekly_monday(1), "a1")
        code, reply = run(system, "decide", rid, "--as", atasan, "--return")
        assert code != 0 and reply["code"] == "MISSING_FIELD", reply      # a note is required
        code, reply = run(system, "decide", rid, "--as", atasan, "--return", "--note", "Target kurang jelas")
        assert code == 0 and reply["state"] == "returned", reply
        code, reply = run(system, "resubmit", rid, "--as", b, "--kind", "rumah", "--dates", weekly_monday(2),
                          "--location", "Rumah", "--reason", "Bukan miliknya")
        assert code != 0 and reply["code"] == "FORBIDDEN", reply
        code, reply = run(system, "resubmit", rid, "--as", a, "--kind", "rumah", "--dates", weekly_monday(2),
                          "--location", "Rumah", "--reason", "Target: 3 laporan", "--key", "a2")
        assert code == 0 and reply["request_id"] == rid, reply
        wait_until("pending again", lambda: state_of(client, rid) == "pending", 15)
        # Each step with what it records: without the atasan's assessment, refused
        code, reply = run(system, "decide", rid, "--as", atasan, "--approve")
        assert code != 0 and reply["code"] == "ASSESSMENT_MISSING", reply
        code, reply = run(system, "decide", rid, "--as", atasan, "--approve", "--tasks-fit",
                          "--targets-measurable")
        assert code == 0 and reply["state"] == "pending", reply
        code, reply = run(system, "decide", rid, "--as", kepala, "--approve", "--service-continues",
                          "--capacity-ok")
        assert code == 0 and reply["state"] == "pending", reply
        code, reply = run(system, "decide", rid, "--as", org.bkd["nip"], "--approve")
        assert code == 0 and reply["state"] == "approved" and reply["approval_number"], reply
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        assert request["dates"] == [weekly_monday(2)], request
        actions = [h["action"] for h in request["history"]]
        assert actions == ["submit", "open_step", "return", "resubmit", "open_step", "approve",
                           "approve", "approve"], actions

        # Revoked from a date by the kepala OPD, not by the employee or the atasan
        code, reply = run(system, "revoke", rid, "--as", a, "--from", weekly_monday(2), "--reason", "x")
        assert code != 0 and reply["code"] == "FORBIDDEN", reply
        code, reply = run(system, "revoke", rid, "--as", kepala, "--from", weekly_monday(2),
                          "--reason", "Kebutuhan layanan")
        assert code == 0 and reply["state"] == "revoked", reply
        # The day is free again: the employee may ask for it anew
        again = submit(system, client, a, weekly_monday(2), "a3")
        assert again != rid

        # Cancelled by the employee before a decision, and an approved one before it starts
        rid_b = submit(system, client, b, weekly_monday(1), "b1")
        code, reply = run(system, "cancel", rid_b, "--as", atasan)
        assert code != 0 and reply["code"] == "FORBIDDEN", reply
        code, reply = run(system, "cancel", rid_b, "--as", b, "--reason", "Tidak jadi")
        assert code == 0 and reply["state"] == "cancelled", reply
        rid_c = submit(system, client, c, weekly_monday(1), "c1")
        ok(client.call("APPROVAL.DECIDE", {"key": "c", "as": atasan, "request_id": rid_c, "decision": "reject",
                                            "note": "Tidak"}))
        code, reply = run(system, "cancel", rid_c, "--as", c)
        assert code != 0 and reply["code"] == "BAD_STATE", reply

        # The figures: 4 submitted (a resubmission is not a new one), 2 approved, 1 rejected,
        # 1 cancelled, 1 revoked, 1 pending (the new request for the freed day)
        def figures():
            got = ok(client.call("METRICS.GET", {"pemda": org.pemda}))
            return {k: got[k] for k in ("submitted", "approved", "rejected", "pending", "cancelled", "revoked")}
        want = {"submitted": 4, "approved": 1, "rejected": 1, "pending": 1, "cancelled": 1, "revoked": 1}
        wait_until("figures %r" % want, lambda: figures() == want, 15)
        code, report = run(system, "audit", "verify", "--pemda", org.pemda)
        assert code == 0 and report["valid"], report


# Every (state, action) pair: allowed ones move, the others are refused with BAD_STATE or
# NOT_PENDING and change nothing. States are reached through the protocol, with a one-step
# chain (the BKD decides alone), so that approve is the final approval; an approval at a
# step before the last (pending -> pending) is held by test_chain.
TABLE = {
    "pending":   {"approve": "approved", "reject": "rejected", "return": "returned",
                  "cancel": "cancelled", "revoke": None, "resubmit": None},
    "returned":  {"approve": None, "reject": None, "return": None, "cancel": "cancelled",
                  "revoke": None, "resubmit": "submitted"},
    "approved":  {"approve": None, "reject": None, "return": None, "cancel": "cancelled",
                  "revoke": "revoked", "resubmit": None},
    "rejected":  {"approve": None, "reject": None, "return": None, "cancel": None,
                  "revoke": None, "resubmit": None},
    "cancelled": {"approve": None, "reject": None, "return": None, "cancel": None,
                  "revoke": None, "resubmit": None},
}


def test_every_transition_allowed_or_refused():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=1))
        nip = org.staff[0]["nip"]
        kepala = org.kepala["DINKES"]["nip"]
        ok(client.call("POLICY.SET", {"key": "one", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[chain]\nstep = bkd, sla_hours=72, on_timeout=remind\n"}))
        week = [0]

        def new_request():
            week[0] += 1
            rid = ok(client.call("REQUEST.SUBMIT", {"key": "t%d" % week[0], "as": nip, "kind": "rumah",
                                                    "dates": [weekly_monday(week[0])], "location": "R",
                                                    "reason": "T"}))["request_id"]
            wait_until("pending", lambda: state_of(client, rid) == "pending", 15)
            return rid

        def decide(rid, decision, key):
            return client.call("APPROVAL.DECIDE", {"key": key, "as": org.bkd["nip"], "request_id": rid,
                                                   "decision": decision, "note": "n"})

        def reach(state):
            rid = new_request()
            if state in ("approved", "rejected", "returned"):
                ok(decide(rid, {"approved": "approve", "rejected": "reject", "returned": "return"}[state],
                          "reach-" + rid))
            if state == "cancelled":
                ok(client.call("REQUEST.CANCEL", {"key": "reach-" + rid, "as": nip, "request_id": rid}))
            assert state_of(client, rid) == state
            return rid

        def act(rid, action, n):
            key = "act-%s-%d" % (action, n)
            if action in ("approve", "reject", "return"):
                return decide(rid, action, key)
            if action == "cancel":
                return client.call("REQUEST.CANCEL", {"key": key, "as": nip, "request_id": rid})
            if action == "revoke":
                return client.call("REQUEST.REVOKE", {"key": key, "as": kepala, "request_id": rid,
                                                      "reason": "Uji"})
            return client.call("REQUEST.SUBMIT" if False else "REQUEST.RESUBMIT", {
                "key": key, "as": nip, "request_id": rid, "kind": "rumah",
                "dates": [weekly_monday(40 + n)], "location": "R", "reason": "T"})

        n = 0
        for state, actions in TABLE.items():
            for action, to in actions.items():
                n += 1
                rid = reach(state)
                reply = act(rid, action, n)
                if to:
                    assert reply["status"] == "ok", "%s --%s--> expected %s: %r" % (state, action, to, reply)
                    assert state_of(client, rid) in ((to, "pending") if to == "submitted" else (to,)), \
                        (state, action)
                else:
                    assert reply["code"] in ("BAD_STATE", "NOT_PENDING"), \
                        "%s --%s--> should be refused: %r" % (state, action, reply)
                    assert state_of(client, rid) == state, (state, action)
