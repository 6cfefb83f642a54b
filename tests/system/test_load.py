"""At least 1,000 requests through submit -> pending -> decide -> inbox -> metrics."""

from harness import System
from load import load_org, run_load

N = 1000


def test_load_1000_requests_exact_counts():
    with System() as system:
        client = system.client()
        load = run_load(client, load_org(), N, tag="load")
        assert len(load.items) >= 1000
        load.verify(client)
        system.assert_alive()
