"""Two instances each of requests, approvals and notifications: the work is shared
and nothing is doubled."""

import re

from harness import System
from load import load_org, run_load

N = 300
EVENT_LINE = re.compile(r"\bevent\b.*\bhandled\b")
CALL_LINE = re.compile(r"\bcall REQUEST\.SUBMIT\b")


def count_lines(system, name, index, pattern):
    return sum(1 for line in system.log_text(name, index).splitlines() if pattern.search(line))


def test_two_instances_share_work_nothing_doubled():
    counts = {"requests": 2, "approvals": 2, "notifications": 2, "metrics": 1}
    with System(counts) as system:
        assert system.ping() == counts
        client = system.client()
        load = run_load(client, load_org(staff_per_supervisor=6), N, tag="inst")
        load.verify(client)

        # Each instance did some of the work (WFA_VERBOSE=1 logs one line per event / call).
        submits = [count_lines(system, "requests", i, CALL_LINE) for i in range(2)]
        assert all(submits), "REQUEST.SUBMIT calls per requests instance: %r" % submits
        assert sum(submits) >= N, submits
        for name in ("approvals", "notifications"):
            events = [count_lines(system, name, i, EVENT_LINE) for i in range(2)]
            assert all(events), "events handled per %s instance: %r" % (name, events)
        opened = [count_lines(system, "approvals", i, re.compile(r"event request\.submitted .*handled"))
                  for i in range(2)]
        assert sum(opened) >= N, "request.submitted handled %r times for %d requests" % (opened, N)
        system.assert_alive()
