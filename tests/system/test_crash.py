"""kill -9 of each service in turn (and the broker) while the load runs.

Each victim is restarted right after; the client retries with the same keys.
Afterwards every accepted request is final, inbox entries exist exactly once and
the metrics are exact."""

from harness import System, import_rows, log
from load import Load, load_org

N = 1000
COUNTS = {"requests": 1, "approvals": 2, "notifications": 2, "metrics": 2}

# (calls answered so far, service to kill). Submits count 1..N, the atasan's decisions
# N+1..2N (then the kepala OPD's and the BKD's).
SCHEDULE = [
    (150, "requests"),        # while submits are in flight
    (400, "approvals"),       # while steps are being opened
    (650, "notifications"),   # while approval.pending entries are written
    (850, "metrics"),         # while submissions are counted
    (N + 200, "broker"),      # while decisions are in flight
    (N + 500, "approvals"),   # approvals serves APPROVAL.DECIDE
    (N + 750, "notifications"),
    (N + 900, "metrics"),
]


def test_crash_kill9_each_service_during_load():
    with System(COUNTS, redeliver_ms=1000) as system:
        client = system.client()
        org = load_org()
        import_rows(client, org.rows, key_prefix="crash-import")
        load = Load(org, N, tag="crash")
        answered = [0]
        schedule = list(SCHEDULE)
        killed = []

        def progress(index, reply):
            answered[0] += 1
            while schedule and answered[0] >= schedule[0][0]:
                _, name = schedule.pop(0)
                system.kill9(name, 0)
                system.start(name, 0)
                killed.append(name)
                log("crash: killed and restarted %s after %d answers" % (name, answered[0]))

        load.submit(client, on_reply=progress, retries=6)
        answered[0] = max(answered[0], N)
        load.wait_pending(client, timeout=90)
        load.decide(client, on_reply=progress, retries=6)
        assert not schedule, "kills not done: %r" % schedule
        assert set(killed) == {"requests", "approvals", "notifications", "metrics", "broker"}
        log("crash: %d frames sent for %d calls (the rest are retries)" % (client.sent, N + sum(len(it["steps"]) for it in load.items)))
        system.wait_ready()
        load.verify(client, timeout=90)
        system.assert_alive()
