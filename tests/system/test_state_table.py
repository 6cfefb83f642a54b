"""The request's state machine is one table (shared/lua/lib/workflow.lua WFA_TRANSITIONS): a
transition it does not list does not happen, whichever service asks for it. Here the steps are
called directly in Redis (FCALL, as the operator's admin) on a request whose state was forged
to one the asked action does not leave: each answers BAD_STATE "FROM -/-> ACTION" and writes
nothing (the request, its history, the audit log, the outbox, the idempotency key)."""

import os
import subprocess
import time

import msgpack

from harness import REDIS_ADMIN, System, Org, ok, staffed, weekly_monday


def fcall(system, function, keys, args):
    """FCALL function with keys and a msgpack map of args (the last argument, sent through
    stdin: redis-cli -x), as admin; the reply as redis-cli prints it, one item a line."""
    env = dict(os.environ, REDISCLI_AUTH=system.redis_password(REDIS_ADMIN))
    out = subprocess.run(["redis-cli", "-p", str(system.redis_port), "--user", REDIS_ADMIN, "-x",
                          "FCALL", function, str(len(keys))] + keys,
                         input=msgpack.packb(args), capture_output=True, timeout=10, env=env)
    return out.stdout.decode("utf-8", "replace").splitlines()


def snapshot(system, pemda, rid):
    """What a step could write about request rid: its hash, history and audit entries, the
    pemda's audit log and outbox, and the idempotency keys."""
    p = "wfa:{%s}:" % pemda
    return (system.redis("HGETALL", p + "req:" + rid),
            system.redis("LRANGE", p + "req:" + rid + ":hist", 0, -1),
            system.redis("LRANGE", p + "req:" + rid + ":audit", 0, -1),
            system.redis("GET", p + "audit:seq"), system.redis("GET", p + "audit:head"),
            system.redis("XLEN", p + "events"), system.redis("ZRANGE", p + "timers", 0, -1),
            system.redis("--scan", "--pattern", p + "idem:*"))


def test_a_transition_the_table_does_not_list_is_refused_and_writes_nothing():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=1))
        staff = org.staff[0]
        rid = ok(client.call("REQUEST.SUBMIT", {
            "key": "s", "as": staff["nip"], "kind": "rumah", "dates": [weekly_monday(2)],
            "location": "Rumah", "reason": "Menyusun laporan"}))["request_id"]
        system.kill9("approvals")       # no timer of its own fires meanwhile
        p = "wfa:{%s}:" % org.pemda
        rkey = p + "req:" + rid
        now = str(int(time.time() * 1000))
        for forged, action, caller in (("rejected", "cancel", staff["nip"]),
                                       ("expired", "cancel", staff["nip"]),
                                       ("pending", "revoke", org.kepala["DINKES"]["nip"]),
                                       ("", "cancel", staff["nip"]),
                                       ("bogus", "cancel", staff["nip"])):
            system.redis("HSET", rkey, "state", forged)
            before = snapshot(system, org.pemda, rid)
            idem = p + "idem:%s:%s:%s:forged" % (action, caller, rid)
            reply = fcall(system, "cancel", [p, rkey, idem], {
                "id": rid, "as": caller, "action": action, "from": "", "reason": "Forged",
                "ttl": "60", "now": now, "today": "2026-12-07"})
            assert reply == ["err", "BAD_STATE", "%s -/-> %s" % (forged, action)], (forged, reply)
            assert snapshot(system, org.pemda, rid) == before, (forged, action)
        # A timer on a request that left every state with an expiry does nothing either
        system.redis("HSET", rkey, "state", "rejected")
        system.redis("ZADD", p + "timers", 0, rid + "|0|start")
        before = snapshot(system, org.pemda, rid)
        reply = fcall(system, "timers_due", [p, p + "timers"], {"now": now, "max": "10"})
        assert reply == ["ok", "0"], reply
        after = snapshot(system, org.pemda, rid)
        assert after[:6] == before[:6] and after[7] == before[7], (before, after)
        assert rid + "|0|start" not in after[6]      # the timer is gone: it fired, as nothing
