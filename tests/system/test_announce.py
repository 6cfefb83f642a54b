"""Workers announce what they serve (docs/protocol.md, "Routing"): each READY lists the
command prefixes of the worker's route table, and the broker routes by them, with no
table of services of its own.

A test worker here is a raw DEALER on the broker's worker port, signed in with a service's
own key (made by wfactl keys init), speaking the worker frames by hand."""

import time
import urllib.request

import msgpack
import zmq

from harness import System, curve_socket, key_path, wait_until


def metric(system, process, name, **labels):
    """The sum of a sample's values with these labels on a process's /metrics (0 when none)."""
    text = urllib.request.urlopen("http://%s/metrics" % system.metrics_addr(process),
                                  timeout=5).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") and all('%s="%s"' % kv in line for kv in labels.items()))


def worker(system, service):
    """A raw worker socket signed in with service's key."""
    return curve_socket(zmq.DEALER, system.backend, system.keys, key_path(system.keys, "service", service))


def announce(sock, service, *prefixes):
    sock.send_multipart([b"READY", service.encode(), b"test-" + service.encode()]
                        + [p.encode() for p in prefixes])


def next_call(sock, timeout=3.0):
    """The next CALL a raw worker receives (frames after CALL), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sock.poll(50):
            frames = sock.recv_multipart()
            if frames[0] == b"CALL":
                return frames[1:]
    return None


def test_worker_announces_prefixes_and_gets_routed():
    # No notifications worker of its own: the test's worker is the only one
    with System({"notifications": 0}, verbose=False) as system:
        client = system.client()
        assert "notifications" not in system.ping(), system.ping()
        # Nobody announced INBOX. yet, and the notifications key has not been heard since the
        # broker started: the command may be its, so a retryable SERVICE_UNAVAILABLE, never a
        # final UNKNOWN_COMMAND, and not only in the broker's first seconds (4 s here, past
        # the 3 s a worker has to announce itself)
        still_unavailable(client, "INBOX.LIST", "NOPE.THING", seconds=4)

        sock = worker(system, "notifications")
        try:
            wait_until("the test worker to be listed", lambda: (announce(sock, "notifications", "INBOX.")
                       or (system.ping() or {}).get("notifications") == 1), 10, 0.2)
            # A call of its prefix reaches it, with the caller's principal, and its reply
            # goes back to the client
            raw = curve_socket(zmq.DEALER, system.frontend, system.keys, key_path(system.keys, "gateway"))
            raw.send_multipart([b"INBOX.LIST", msgpack.packb(
                {"v": 1, "id": "in-1", "as": "198507142010011003"})])
            call = next_call(sock)
            assert call is not None, "INBOX.LIST did not reach the announcing worker"
            token, principal, command, body = call
            assert principal == b"gateway" and command == b"INBOX.LIST", call
            assert msgpack.unpackb(body, raw=False)["id"] == "in-1"
            sock.send_multipart([b"REPLY", token, b"INBOX.LIST", msgpack.packb(
                {"v": 1, "id": "in-1", "status": "ok", "code": "OK", "message": "", "from": "test"})])
            assert raw.poll(3000), "the worker's reply did not reach the client"
            frames = raw.recv_multipart()
            raw.close(0)
            assert frames[0] == b"INBOX.LIST" and msgpack.unpackb(frames[1], raw=False)["from"] == "test"
            # Other prefixes still go to their own services
            assert client.call("SYSTEM.PING", {})["services"]["requests"] == 1
            assert client.call("METRICS.GET", {"pemda": "35.08"})["code"] != "UNKNOWN_COMMAND"
            # Every service with a key heard from: a command nobody announced is unknown
            assert client.call("NOPE.THING", {}, retries=0)["code"] == "UNKNOWN_COMMAND"
        finally:
            sock.close(0)

        # Its workers gone, the service's prefix is still its own: SERVICE_UNAVAILABLE, at once
        wait_until("the test worker to be forgotten",
                   lambda: (system.ping() or {}).get("notifications") == 0, 10, 0.2)
        started = time.monotonic()
        reply = client.call("INBOX.LIST", {"as": "198507142010011003"}, retries=0)
        assert reply["code"] == "SERVICE_UNAVAILABLE" and time.monotonic() - started < 1, reply
        assert client.call("NOPE.THING", {}, retries=0)["code"] == "UNKNOWN_COMMAND"
        system.assert_alive()


def still_unavailable(client, *commands, seconds):
    """Each command answers SERVICE_UNAVAILABLE, every time, for that many seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for command in commands:
            reply = client.call(command, {"as": "198507142010011003"}, retries=0)
            assert reply["code"] == "SERVICE_UNAVAILABLE", (command, reply)
        time.sleep(0.2)


def test_service_down_across_a_broker_restart_stays_unavailable():
    """A service that is down when the broker restarts: its commands stay retryable
    (SERVICE_UNAVAILABLE) however long it stays down, as they were before the restart, and
    come back when it does; only then is a command nobody serves UNKNOWN_COMMAND."""
    with System(verbose=False) as system:
        client = system.client()
        inbox = {"as": "198507142010011003"}
        assert client.call("INBOX.LIST", inbox)["code"] != "UNKNOWN_COMMAND"
        system.kill9("notifications", 0)
        wait_until("notifications to be forgotten",
                   lambda: (system.ping() or {}).get("notifications") == 0, 10, 0.2)
        assert client.call("INBOX.LIST", inbox, retries=0)["code"] == "SERVICE_UNAVAILABLE"
        system.kill9("broker", 0)
        system.start("broker", 0)
        wait_until("the other services to announce themselves to the new broker", lambda: all(
            (system.ping() or {}).get(name) == 1 for name in ("requests", "approvals", "metrics", "monev")), 15, 0.2)
        assert "notifications" not in system.ping(), system.ping()
        # 5 s after the restart, as the reviewer saw it, and longer
        still_unavailable(client, "INBOX.LIST", "NOPE.THING", seconds=6)
        assert client.call("REQUEST.LIST", {"pemda": "35.08"})["code"] != "SERVICE_UNAVAILABLE"
        system.start("notifications", 0)
        system.wait_ready()
        wait_until("INBOX.LIST to be served again", lambda: client.call(
            "INBOX.LIST", inbox, retries=0)["code"] not in ("SERVICE_UNAVAILABLE", "UNKNOWN_COMMAND"), 15, 0.2)
        assert client.call("NOPE.THING", {}, retries=0)["code"] == "UNKNOWN_COMMAND"
        system.assert_alive()


def test_prefixes_per_service_are_capped():
    """A service key cannot grow the broker's prefix table without end: a READY whose new
    prefixes would take its service past 32 is refused, counted (too_many_prefixes), and
    none of them is served; the prefixes it already owns keep working."""
    with System({"notifications": 0}, verbose=False) as system:
        client = system.client()
        sock = worker(system, "notifications")
        try:
            own = ["N%02d." % n for n in range(32)]
            wait_until("the test worker to be listed", lambda: (announce(sock, "notifications", *own)
                       or (system.ping() or {}).get("notifications") == 1), 10, 0.2)
            before = metric(system, "broker", "wfa_broker_refused_total", reason="too_many_prefixes")
            taken = metric(system, "broker", "wfa_broker_refused_total", reason="prefix_taken")
            # Each READY with some new prefix (one, or 32 others) is refused as a whole
            for batch in (["NX."], own[1:] + ["NY."], ["Z%02d." % n for n in range(32)]):
                announce(sock, "notifications", *batch)
            wait_until("the refusals counted", lambda: metric(
                system, "broker", "wfa_broker_refused_total", reason="too_many_prefixes") >= before + 3, 10, 0.2)
            assert metric(system, "broker", "wfa_broker_refused_total", reason="prefix_taken") == taken
            for command in ("NX.LIST", "NY.LIST", "Z05.LIST"):
                assert client.call(command, {}, retries=0)["code"] == "UNKNOWN_COMMAND", command
            # What it owns is still its own, and still reaches it
            announce(sock, "notifications", *own)
            raw = curve_socket(zmq.DEALER, system.frontend, system.keys, key_path(system.keys, "gateway"))
            raw.send_multipart([b"N07.LIST", msgpack.packb({"v": 1, "id": "cap-1"})])
            call = next_call(sock)
            raw.close(0)
            assert call is not None and call[2] == b"N07.LIST", call
        finally:
            sock.close(0)
        system.assert_alive()


def test_conflicting_announcement_is_refused():
    with System(verbose=False) as system:
        client = system.client()
        before = metric(system, "broker", "wfa_broker_refused_total", reason="prefix_taken")
        # The approvals key announcing the requests service's prefix, or one inside it, or
        # one that contains it: refused, counted, and no call goes to it
        rogue = worker(system, "approvals")
        try:
            for prefixes in (("APPROVAL.", "REQUEST."), ("REQUEST.EXPORT.",), ("EMPLOYEE.",)):
                announce(rogue, "approvals", *prefixes)
            wait_until("the refusals counted", lambda: metric(
                system, "broker", "wfa_broker_refused_total", reason="prefix_taken") >= before + 3, 10, 0.2)
            replies = client.call_many([("REQUEST.LIST", {"pemda": "35.08"}) for _ in range(10)])
            assert all(r["code"] != "SERVICE_UNAVAILABLE" for r in replies), replies
            assert next_call(rogue, 0.5) is None, "a call reached the refused worker"
            # Only approvals' own worker counts as approvals; requests keeps its one
            assert system.ping()["approvals"] == 1 and system.ping()["requests"] == 1, system.ping()
            # A malformed prefix list (no dot, SYSTEM., none at all) is dropped, not served
            dropped = metric(system, "broker", "wfa_broker_dropped_total")
            for prefixes in (("APPROVAL",), ("SYSTEM.",), ()):
                announce(rogue, "approvals", *prefixes)
            wait_until("the malformed READYs dropped", lambda: metric(
                system, "broker", "wfa_broker_dropped_total") >= dropped + 3, 10, 0.2)
        finally:
            rogue.close(0)
        assert client.call("REQUEST.LIST", {"pemda": "35.08"})["code"] != "UNKNOWN_COMMAND"
        system.assert_alive()
