"""Redis goes away and comes back: calls get REDIS_UNAVAILABLE (in the caller's
language), nothing crashes, and once Redis is back the same services carry on:
new calls work and the workflow completes."""

import signal

from harness import System, Org, approve_chain, import_rows, wait_until, workdays


def submit_body(org, key):
    nip = org.staff[0]["nip"]
    return {"key": key, "as": nip, "kind": "rumah", "dates": workdays(1),
            "location": "Rumah", "reason": "Menyusun laporan", "plan": ["Laporan"]}


def test_redis_down_then_back():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)

        # Redis stops (a clean shutdown, so what was written is on disk)
        redis = system.procs["redis"][0]
        system.killed.add(redis)
        redis.send_signal(signal.SIGTERM)
        redis.wait()

        for lang, word in (("id", "Penyimpanan"), ("en", "data store")):
            body = dict(submit_body(org, "down-" + lang), lang=lang)
            reply = client.call("REQUEST.SUBMIT", body, timeout=5, retries=0)
            assert reply["status"] == "error" and reply["code"] == "REDIS_UNAVAILABLE", reply
            assert word in reply["message"], reply
        reply = client.call("INBOX.LIST", {"as": org.staff[0]["nip"]}, timeout=5, retries=0)
        assert reply["code"] == "REDIS_UNAVAILABLE", reply
        reply = client.call("METRICS.GET", {"pemda": org.pemda}, timeout=5, retries=0)
        assert reply["code"] == "REDIS_UNAVAILABLE", reply
        system.assert_alive()

        # Redis comes back on the same port and data: services reconnect by themselves
        system.start("redis", 0)
        reply = wait_until("submit to work again", lambda: (lambda r: r if r.get("status") == "ok" else None)(
            client.call("REQUEST.SUBMIT", submit_body(org, "after"), timeout=5, retries=0)), 30, 0.2)
        request_id = reply["request_id"]
        approver = org.approver[org.staff[0]["nip"]]

        def pending():
            r = client.call("APPROVAL.LIST", {"as": approver})
            return r.get("status") == "ok" and any(q["request_id"] == request_id for q in r["requests"])
        wait_until("the approval step to open after the restart", pending, 30)
        assert approve_chain(client, request_id, key="d1")["state"] == "approved"
        system.assert_alive()
