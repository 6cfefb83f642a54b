"""Two instances each of requests, approvals and notifications: the work is shared
and nothing is doubled."""

import re
import time

from harness import System, import_rows, log, wait_until
from load import Load, load_org

N = 300
WAVES = 3
EVENT_LINE = re.compile(r"\bevent\b.*\bhandled\b")
CALL_LINE = re.compile(r"\bcall REQUEST\.SUBMIT\b")
DECIDE_LINE = re.compile(r"\bcall APPROVAL\.DECIDE\b")


def count_lines(system, name, index, pattern):
    return sum(1 for line in system.log_text(name, index).splitlines() if pattern.search(line))


def test_two_instances_share_work_nothing_doubled():
    counts = {"requests": 2, "approvals": 2, "notifications": 2, "metrics": 1, "monev": 1}
    with System(counts) as system:
        # One ping may miss its 1 s window on a busy machine: ask until it answers
        wait_until("the broker to report every instance", lambda: system.ping() == counts, 15)
        client = system.client()
        org = load_org(staff_per_supervisor=6)
        import_rows(client, org.rows)

        # Warm up: the pemda's first request creates its event stream, which each
        # consumer instance (notifications: approvals consumes none, the chain opens
        # in the submission's own step) finds on its own within about a second. Submit the load's
        # first requests in small bursts until every instance has handled an event;
        # sent again later with the same keys, they are the same requests. (Not one by
        # one: each request.submitted is followed by an approval.pending that the other
        # instance may take and skip, so strict alternation can starve one instance.)
        load = Load(org, N, "inst")
        warm = 0

        def everyone_working():
            return all(count_lines(system, "notifications", i, EVENT_LINE) > 0 for i in range(2))
        while not everyone_working():
            assert warm < N // 2, "after %d requests, not every instance handled an event" % warm
            part = Load(org, 0, "inst")
            part.items = load.items[warm:warm + 10]
            part.submit(client)
            part.wait_pending(client)
            warm += 10
            time.sleep(0.2)     # a fast machine would finish the bursts before a consumer looks
        base = {i: count_lines(system, "notifications", i, EVENT_LINE) for i in range(2)}
        base_calls = [count_lines(system, "requests", i, CALL_LINE) for i in range(2)]
        base_decides = [count_lines(system, "approvals", i, DECIDE_LINE) for i in range(2)]

        # The load, in waves.
        per_wave = N // WAVES
        for wave in range(WAVES):
            part = Load(org, 0, "inst")
            part.items = load.items[wave * per_wave:(wave + 1) * per_wave]
            part.submit(client)
            part.wait_pending(client)
            part.decide(client)
        load.verify(client)

        # Each instance did some of the work (WFA_VERBOSE=1 logs a line per event / call).
        submits = [count_lines(system, "requests", i, CALL_LINE) - base_calls[i] for i in range(2)]
        assert all(submits) and sum(submits) >= N, "REQUEST.SUBMIT calls per requests instance: %r" % submits
        events = [count_lines(system, "notifications", i, EVENT_LINE) - base[i] for i in range(2)]
        assert all(events), "events handled per notifications instance: %r" % events
        log("instances: notifications handled %r events (after %d warm-up requests)" % (events, warm))
        # Both approvals instances decided some of the steps, every request at least once
        decides = [count_lines(system, "approvals", i, DECIDE_LINE) - base_decides[i] for i in range(2)]
        assert all(decides) and sum(decides) >= N, "APPROVAL.DECIDE calls per approvals instance: %r" % decides
        # No approvals instance consumes events: each step opened in its submission
        assert not any(count_lines(system, "approvals", i, EVENT_LINE) for i in range(2))
        system.assert_alive()
