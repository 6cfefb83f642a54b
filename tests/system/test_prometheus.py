"""GET /metrics on the broker and every service: the Prometheus text format 0.0.4,
parsed strictly; counters that move by exactly the traffic the test sent; an HTTP
endpoint (libmicrohttpd) that refuses garbage, huge and slow requests and keeps serving,
also under 500 slow clients."""

import collections
import http.client
import math
import os
import re
import signal
import socket
import time

import yaml

from harness import (ROOT, Org, approve_chain, RawSocket, System, import_rows, ok, redis_ping, submit_body,
                     wait_until, workdays)

PEMDA = "35.08"
PROCESSES = ("broker", "requests", "approvals", "notifications", "metrics", "monev", "gateway")
CONSUMERS = ("notifications", "metrics", "monev")     # approvals consumes no event
SERVICE_OF_PREFIX = {"EMPLOYEE": "requests", "REQUEST": "requests", "AUDIT": "requests",
                     "CALENDAR": "requests", "POLICY": "requests", "APPROVAL": "approvals",
                     "INBOX": "notifications", "METRICS": "metrics", "MONEV": "monev"}
FAMILIES = {
    "all": {"wfa_process_start_time_seconds": "gauge", "wfa_http_requests_total": "counter"},
    "broker": {"wfa_broker_calls_total": "counter", "wfa_broker_routed_total": "counter",
               "wfa_broker_replies_total": "counter", "wfa_broker_errors_total": "counter",
               "wfa_broker_heartbeats_total": "counter", "wfa_broker_dropped_total": "counter",
               "wfa_broker_workers": "gauge"},
    "service": {"wfa_messages_in_total": "counter", "wfa_messages_out_total": "counter",
                "wfa_errors_total": "counter", "wfa_call_duration_seconds": "histogram",
                "wfa_redis_reconnects_total": "counter", "wfa_redis_connected": "gauge",
                "wfa_redis_used_memory_bytes": "gauge", "wfa_redis_maxmemory_bytes": "gauge"},
    "gateway": {"wfa_gateway_requests_total": "counter", "wfa_gateway_request_seconds": "histogram",
                "wfa_gateway_rate_limited_total": "counter"},
    "consumer": {"wfa_events_handled_total": "counter", "wfa_events_failed_total": "counter",
                 "wfa_events_malformed_total": "counter", "wfa_event_duration_seconds": "histogram",
                 "wfa_events_redelivered_total": "counter", "wfa_outbox_lag": "gauge",
                 "wfa_outbox_pending": "gauge"},
}


# ---------------------------------------------------------------- the text format

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="')
NUMBER = re.compile(r"(NaN|[+-]Inf|[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)\Z")
TIMESTAMP = re.compile(r"-?\d+\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def unescape(text, quote, where):
    """A HELP text (quote False) or label value with its escapes resolved."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1:i + 2]
            assert nxt in ("\\", "n") or (quote and nxt == '"'), "bad escape \\%s in %r" % (nxt, where)
            out.append({"\\": "\\", "n": "\n", '"': '"'}[nxt])
            i += 2
        else:
            assert not (quote and c == '"'), "unescaped quote in %r" % where
            out.append(c)
            i += 1
    return "".join(out)


def parse_sample(line):
    """(name, labels dict, value) of a sample line; asserts its syntax."""
    m = METRIC_NAME.match(line)
    assert m, "no metric name: %r" % line
    name, i, labels = m.group(0), m.end(), {}
    if line[i:i + 1] == "{":
        i += 1
        while line[i:i + 1] != "}":
            pair = LABEL_PAIR.match(line, i)
            assert pair, "bad label at %d: %r" % (i, line)
            start = i = pair.end()
            while line[i:i + 1] != '"':
                assert i < len(line), "unterminated label value: %r" % line
                i += 2 if line[i] == "\\" else 1
            label = pair.group(1)
            assert label not in labels, "label %s twice: %r" % (label, line)
            labels[label] = unescape(line[start:i], True, line)
            i += 1
            if line[i:i + 1] == ",":
                i += 1
                assert line[i:i + 1] != "}", "trailing comma: %r" % line
            else:
                assert line[i:i + 1] == "}", "expected , or } at %d: %r" % (i, line)
        i += 1
    assert line[i:i + 1] == " ", "no space before the value: %r" % line
    fields = line[i + 1:].split(" ")
    assert 1 <= len(fields) <= 2 and NUMBER.match(fields[0]), "bad value: %r" % line
    assert len(fields) == 1 or TIMESTAMP.match(fields[1]), "bad timestamp: %r" % line
    return name, labels, float(fields[0])


class Scrape:
    """One /metrics text, checked strictly on construction; values by name and labels."""

    def __init__(self, service, text):
        self.service = service
        self.types = {}              # family -> type
        self.samples = {}            # (sample name, frozenset of labels) -> value
        assert text.endswith("\n"), "the text does not end with a newline"
        helps, family, seen_samples, closed = {}, None, set(), set()
        histograms = collections.defaultdict(lambda: {"buckets": [], "sum": None, "count": None})
        for line in text[:-1].split("\n"):
            assert line, "empty line"
            if line.startswith("#"):
                parts = line.split(" ", 3)
                assert len(parts) >= 3 and parts[0] == "#" and parts[1] in ("HELP", "TYPE"), \
                    "a comment that is not HELP or TYPE: %r" % line
                name = parts[2]
                assert METRIC_NAME.fullmatch(name), "bad family name: %r" % line
                if family != name:
                    assert name not in closed, "family %s appears twice" % name
                    if family:
                        closed.add(family)
                    family = name
                if parts[1] == "HELP":
                    assert name not in helps, "two HELP for %s" % name
                    assert name not in self.types, "HELP after TYPE for %s" % name
                    helps[name] = unescape(parts[3] if len(parts) > 3 else "", False, line)
                else:
                    assert name not in self.types, "two TYPE for %s" % name
                    assert len(parts) == 4 and parts[3] in TYPES, "bad TYPE: %r" % line
                    self.types[name] = parts[3]
                continue
            name, labels, value = parse_sample(line)
            kind = self.types.get(family)
            assert family in helps and kind, "sample before HELP and TYPE: %r" % line
            suffixes = ("_bucket", "_sum", "_count") if kind == "histogram" else ("",)
            assert name in [family + s for s in suffixes], \
                "sample %s is not of family %s (%s)" % (name, family, kind)
            assert labels.get("service") == service, "service label of %r, expected %s" % (line, service)
            key = (name, frozenset(labels.items()))
            assert key not in seen_samples, "duplicate sample %r" % line
            seen_samples.add(key)
            self.samples[key] = value
            if kind == "counter":
                assert value >= 0 and not math.isnan(value), "counter below zero: %r" % line
            if kind == "histogram":
                series = dict(labels)
                le = series.pop("le", None)
                entry = histograms[(family, frozenset(series.items()))]
                if name.endswith("_bucket"):
                    assert le is not None, "bucket without le: %r" % line
                    assert le == "+Inf" or NUMBER.match(le), "bad le: %r" % line
                    entry["buckets"].append((float(le), value))
                else:
                    assert le is None, "le on %r" % line
                    entry[name[len(family) + 1:]] = value
        for (family, series), entry in histograms.items():
            what = "%s%r" % (family, dict(series))
            bounds = [b for b, _ in entry["buckets"]]
            counts = [c for _, c in entry["buckets"]]
            assert bounds and bounds[-1] == math.inf, "%s: no +Inf bucket" % what
            assert bounds == sorted(set(bounds)), "%s: buckets not ascending: %r" % (what, bounds)
            assert counts == sorted(counts), "%s: buckets not cumulative: %r" % (what, counts)
            assert entry["count"] is not None and entry["sum"] is not None, "%s: _count or _sum missing" % what
            assert counts[-1] == entry["count"], "%s: +Inf %r != _count %r" % (what, counts[-1], entry["count"])
            assert all(c == int(c) for c in counts), "%s: fractional counts" % what

    def get(self, name, **labels):
        """A sample's value; 0 for a series that does not exist (yet)."""
        labels["service"] = self.service
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name, **labels):
        labels["service"] = self.service
        return (name, frozenset(labels.items())) in self.samples

    def series(self, name):
        """[(labels without service, value)] of every sample called name."""
        return [({k: v for k, v in labels if k != "service"}, value)
                for (sample, labels), value in self.samples.items() if sample == name]


# ---------------------------------------------------------------- HTTP

def host_port(addr):
    host, port = addr.rsplit(":", 1)
    return host, int(port)


def fetch(addr, method="GET", path="/metrics", body=None):
    """(status, headers, body bytes) through Python's HTTP client."""
    conn = http.client.HTTPConnection(*host_port(addr), timeout=30)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        data = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, data
    finally:
        conn.close()


def raw_http(addr, data, timeout=30):
    """Send raw bytes, return everything the server sends until it closes."""
    with socket.create_connection(host_port(addr), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass     # it answered early and stopped reading: the answer is what counts
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def scrape(system, name, index=0):
    """Scrape one process (waiting for its endpoint to listen) and check the text."""
    def answer():
        try:
            return fetch(system.metrics_addr(name, index))
        except ConnectionRefusedError:
            return None
    status, headers, body = wait_until("%s #%d to serve /metrics" % (name, index), answer, 30, 0.1)
    assert status == 200, (status, body[:300])
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    assert int(headers["content-length"]) == len(body), headers
    return Scrape(name, body.decode("utf-8"))


def scrape_all(system):
    return {name: scrape(system, name) for name in PROCESSES}


def check_families(scrapes):
    for name, got in scrapes.items():
        wanted = dict(FAMILIES["all"])
        wanted.update(FAMILIES[name if name in ("broker", "gateway") else "service"])
        if name in CONSUMERS:
            wanted.update(FAMILIES["consumer"])
        elif name != "broker":
            assert not set(FAMILIES["consumer"]) & set(got.types), "%s consumes no event" % name
        for family, kind in wanted.items():
            assert got.types.get(family) == kind, "%s: %s is %r, expected %s" % (
                name, family, got.types.get(family), kind)


def documented_metrics():
    """{name: type} from the tables of the "Metrics for Prometheus" section of operations.md."""
    with open(os.path.join(ROOT, "docs", "operations.md")) as f:
        text = f.read()
    section = text.split("## Metrics for Prometheus", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2)
            for m in re.finditer(r"^\| `(wfa_\w+)` \| (\w+) \|", section, re.M)}


class Tally:
    """A client that counts the frames it sends per command, retries included."""

    def __init__(self, client):
        self.client = client
        self.sent = collections.Counter()

    def call(self, cmd, body, **kwargs):
        before = self.client.sent
        reply = self.client.call(cmd, body, **kwargs)
        self.sent[cmd] += self.client.sent - before
        return reply

    def to(self, service):
        """Frames sent to commands of a service."""
        return sum(n for cmd, n in self.sent.items()
                   if SERVICE_OF_PREFIX.get(cmd.split(".")[0]) == service)


# ---------------------------------------------------------------- tests

def test_metrics_format_and_exact_counts():
    org = Org(pemda=PEMDA, opds=("DINKES", "DISDIK"), supervisors=1, staff=3)
    with System(verbose=False, gateway=True) as system:
        before = scrape_all(system)
        for name in PROCESSES:
            assert before[name].get("wfa_process_start_time_seconds") > 1e9, name
        # Every command of a service's table reads 0 before its first call.
        assert before["requests"].has("wfa_messages_in_total", command="REQUEST.SUBMIT")
        assert before["approvals"].has("wfa_messages_in_total", command="APPROVAL.DECIDE")

        client = Tally(system.client())
        import_rows(client, org.rows)
        people = org.staff[:4]
        ids = []
        for n, person in enumerate(people):
            reply = ok(client.call("REQUEST.SUBMIT", submit_body(person["nip"], workdays(1, skip=n),
                                                                 "prom-%d" % n)))
            ids.append(reply["request_id"])
        # Two refused submits: a bad kind (the handler's code), a body that is not msgpack.
        refused = client.call("REQUEST.SUBMIT", submit_body(people[0]["nip"], workdays(1, skip=9),
                                                            "prom-bad", kind="nope"))
        assert refused["status"] == "error", refused
        with RawSocket(system.frontend) as raw:
            got = raw.exchange([b"REQUEST.SUBMIT", b"\xc1"])
            assert got and got[1]["code"] == "BAD_MSGPACK", got
        # A command requests does not have, and one nobody has.
        assert client.call("REQUEST.NOPE", {})["code"] == "UNKNOWN_COMMAND"
        assert client.call("NOPE.THING", {})["code"] == "UNKNOWN_COMMAND"

        def listed(approver, request_id):
            reply = ok(client.call("APPROVAL.LIST", {"as": approver, "limit": 1000}))
            return any(r["request_id"] == request_id for r in reply["requests"])
        for person, request_id in zip(people, ids):
            wait_until("%s pending" % request_id, lambda: listed(person["supervisor_nip"], request_id))
        # Two approved through the three steps of the chain, one rejected by its atasan
        for n in range(2):
            approve_chain(client, ids[n], key="prom-d%d" % n)
        ok(client.call("APPROVAL.DECIDE", {"key": "prom-d2", "as": people[2]["supervisor_nip"],
                                           "request_id": ids[2], "decision": "reject"}))
        again = client.call("APPROVAL.DECIDE", {"key": "prom-again", "as": people[0]["supervisor_nip"],
                                                "request_id": ids[0], "decision": "reject"})
        assert again["code"] == "NOT_PENDING", again

        # Events each consumer handles for this traffic, by type.
        events = {
            "notifications": {"approval.pending": len(ids) + 2 * 2, "request.approved": 2,
                              "request.rejected": 1},
            "metrics": {"request.submitted": len(ids), "request.approved": 2, "request.rejected": 1},
            "monev": {"request.approved": 2},
        }

        def consumers_done():
            now = {name: scrape(system, name) for name in CONSUMERS}
            return all(now[name].get("wfa_events_handled_total", type=t)
                       - before[name].get("wfa_events_handled_total", type=t) >= n
                       and now[name].get("wfa_outbox_lag", pemda=PEMDA) == 0
                       and now[name].get("wfa_outbox_pending", pemda=PEMDA) == 0
                       and now[name].has("wfa_outbox_lag", pemda=PEMDA)
                       for name in CONSUMERS for t, n in events[name].items())
        wait_until("the consumers to handle every event", consumers_done, 30, 0.2)
        after = scrape_all(system)
        check_families(after)
        exported = {}
        for got in after.values():
            exported.update(got.types)
        assert documented_metrics() == exported, \
            "docs/operations.md lists %r, the programs export %r" % (documented_metrics(), exported)

        def delta(name, sample, **labels):
            return after[name].get(sample, **labels) - before[name].get(sample, **labels)

        # requests: every frame sent in, one reply out, one latency observation each.
        submits = client.sent["REQUEST.SUBMIT"] + 1          # + the raw one
        for sample in ("wfa_messages_in_total", "wfa_messages_out_total",
                       "wfa_call_duration_seconds_count"):
            assert delta("requests", sample, command="REQUEST.SUBMIT") == submits, sample
            assert delta("requests", sample, command="EMPLOYEE.IMPORT") == client.sent["EMPLOYEE.IMPORT"]
            assert delta("requests", sample, command="other") == client.sent["REQUEST.NOPE"] == 1
        assert delta("requests", "wfa_call_duration_seconds_bucket", command="REQUEST.SUBMIT",
                     le="+Inf") == submits
        assert delta("requests", "wfa_errors_total", command="REQUEST.SUBMIT", code="BAD_MSGPACK") == 1
        assert delta("requests", "wfa_errors_total", command="REQUEST.SUBMIT", code=refused["code"]) == 1
        assert delta("requests", "wfa_errors_total", command="other", code="UNKNOWN_COMMAND") == 1
        errors = sum(v for labels, v in after["requests"].series("wfa_errors_total")) \
            - sum(v for labels, v in before["requests"].series("wfa_errors_total"))
        assert errors == 3, after["requests"].series("wfa_errors_total")

        # approvals: decisions and the one NOT_PENDING.
        for command in ("APPROVAL.DECIDE", "APPROVAL.LIST"):
            assert delta("approvals", "wfa_messages_in_total", command=command) == client.sent[command]
            assert delta("approvals", "wfa_messages_out_total", command=command) == client.sent[command]
        assert delta("approvals", "wfa_errors_total", command="APPROVAL.DECIDE", code="NOT_PENDING") == 1

        # consumers: exactly one handling per event, no failures, nothing left behind.
        for name in CONSUMERS:
            for event_type, count in events[name].items():
                assert delta(name, "wfa_events_handled_total", type=event_type) == count, (name, event_type)
                assert delta(name, "wfa_event_duration_seconds_count", type=event_type) == count
                assert delta(name, "wfa_events_failed_total", type=event_type) == 0
            assert after[name].get("wfa_events_malformed_total") == 0
            assert after[name].get("wfa_redis_connected", connection="consumer") == 1

        # broker: calls by route, relayed replies, its own error answers.
        for service in ("requests", "approvals"):
            sent = client.to(service) + (1 if service == "requests" else 0)
            for sample in ("wfa_broker_calls_total", "wfa_broker_routed_total", "wfa_broker_replies_total"):
                assert delta("broker", sample, route=service) == sent, (sample, service)
        assert delta("broker", "wfa_broker_calls_total", route="none") == 1
        assert delta("broker", "wfa_broker_errors_total", code="UNKNOWN_COMMAND") == 1
        assert delta("broker", "wfa_broker_replies_total", route="broker") == 1
        for service in ("requests", "approvals", "notifications", "metrics", "monev"):
            assert after["broker"].get("wfa_broker_workers", route=service) == 1, service
            assert after[service].get("wfa_redis_connected", connection="worker") == 1
            assert after[service].get("wfa_redis_reconnects_total", connection="worker") == 0
        system.assert_alive()


def status_of(raw):
    """The status code of a raw HTTP answer."""
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", raw)
    assert m, "not an HTTP answer: %r" % raw[:200]
    return int(m.group(1))


def test_metrics_http_refuses_garbage_and_keeps_serving():
    with System({"approvals": 0, "metrics": 0}, verbose=False) as system:
        # Clients that never finish their request (one per process, checked at the end,
        # after the server timed them out) do not hold up the others.
        slow = {}
        for name in ("broker", "requests"):
            scrape(system, name)
            slow[name] = socket.create_connection(host_port(system.metrics_addr(name)), timeout=30)
            slow[name].sendall(b"GET /metr")
        for name in ("broker", "requests"):
            addr = system.metrics_addr(name)
            scrape(system, name)
            assert fetch(addr, path="/")[0] == 404
            assert fetch(addr, path="/metricsx")[0] == 404
            assert fetch(addr, method="POST", body=b"x=1")[0] == 405
            assert fetch(addr, method="PUT", body=b"")[0] == 405
            status, headers, body = fetch(addr, method="HEAD")
            assert status == 200 and body == b"" and int(headers["content-length"]) > 0, headers
            # Not HTTP at all (a TLS hello): closed without an answer
            assert raw_http(addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n") == b""
            assert status_of(raw_http(addr, b"hello there\r\n\r\n")) == 400
            assert status_of(raw_http(addr, b"GET /metrics HTTP/1.1 extra\r\n\r\n")) == 400
            assert status_of(raw_http(addr, b"A" * 1_000_000)) == 414
            assert status_of(raw_http(addr, b"GET /metrics HTTP/1.1\r\n" + b"X-Pad: y\r\n" * 20_000)) == 431
            # One that connects and goes away.
            socket.create_connection(host_port(addr), timeout=30).close()
        for name in ("broker", "requests"):
            with slow[name]:
                answer = slow[name].recv(4096)     # cut off when it stayed idle too long
            assert answer == b"", answer
            after = scrape(system, name)
            # libmicrohttpd answers a bad request line (400, 414) without telling the
            # server: those, the TLS hello, the one gone and the slow one count as "none".
            assert after.get("wfa_http_requests_total", code="none") == 6, after.series("wfa_http_requests_total")
            assert after.get("wfa_http_requests_total", code="431") == 1
            assert after.get("wfa_http_requests_total", code="404") == 2
            assert after.get("wfa_http_requests_total", code="405") == 2
            assert not after.has("wfa_http_requests_total", code="400")
            assert not after.has("wfa_http_requests_total", code="408")
        # And the processes carry on with their real work.
        system.assert_alive()
        assert system.ping()["requests"] == 1


def test_metrics_count_redis_reconnects_and_unavailable():
    org = Org(pemda=PEMDA, opds=("DINKES",), supervisors=1, staff=1)
    with System({"approvals": 0, "metrics": 0}, verbose=False) as system:
        client = Tally(system.client())
        import_rows(client, org.rows)
        before = scrape(system, "requests")
        # Only a connection that is up when Redis stops can break and be re-established: the
        # consumer connects lazily (its first Redis command comes ~200 ms after the service is
        # ready), so a restart that quick could come before it and leave nothing to reconnect.
        wait_until("notifications' consumer to connect to Redis",
                   lambda: scrape(system, "notifications").get("wfa_redis_connected", connection="consumer") == 1, 30)
        redis = system.procs["redis"][0]
        system.killed.add(redis)
        redis.send_signal(signal.SIGTERM)
        redis.wait()
        nip = org.staff[0]["nip"]
        down = client.call("EMPLOYEE.GET", {"nip": nip}, timeout=5, retries=0)
        assert down["code"] == "REDIS_UNAVAILABLE", down
        system.start("redis", 0)
        wait_until("redis-server to answer PING", lambda: redis_ping(system.redis_port), 15)
        unavailable = [1]       # the call above, and any made before the service reconnects

        def works():
            reply = client.call("EMPLOYEE.GET", {"nip": nip}, timeout=5, retries=0)
            unavailable[0] += reply.get("code") == "REDIS_UNAVAILABLE"
            return reply["status"] == "ok"
        wait_until("EMPLOYEE.GET to work again", works, 30, 0.2)

        def reconnected(name, connection):
            now = scrape(system, name)
            return now.get("wfa_redis_reconnects_total", connection=connection) >= 1 \
                and now.get("wfa_redis_connected", connection=connection) == 1 and now
        after = wait_until("requests to count its reconnect", lambda: reconnected("requests", "worker"), 30)
        wait_until("notifications' consumer to count its reconnect", lambda: reconnected("notifications", "consumer"), 30)
        assert after.get("wfa_errors_total", command="EMPLOYEE.GET", code="REDIS_UNAVAILABLE") \
            - before.get("wfa_errors_total", command="EMPLOYEE.GET", code="REDIS_UNAVAILABLE") == unavailable[0]
        assert after.get("wfa_messages_in_total", command="EMPLOYEE.GET") \
            - before.get("wfa_messages_in_total", command="EMPLOYEE.GET") == client.sent["EMPLOYEE.GET"]
        system.assert_alive()


def test_prometheus_config_scrapes_every_compose_program():
    """deploy/prometheus.yml scrapes every Fleksi service of docker-compose.yml on the port
    its WFA_METRICS_ADDR names."""
    with open(os.path.join(ROOT, "docker-compose.yml")) as f:
        compose = yaml.safe_load(f)
    with open(os.path.join(ROOT, "deploy", "prometheus.yml")) as f:
        prometheus = yaml.safe_load(f)
    targets = set()
    for job in prometheus["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics", job
        for sd in job.get("dns_sd_configs", []):
            targets.update("%s:%d" % (name, sd["port"]) for name in sd["names"])
        for static in job.get("static_configs", []):
            targets.update(static["targets"])
    for name, service in compose["services"].items():
        if "redis" in str(service.get("image", "")):
            continue
        if service.get("restart") == "no":
            continue        # a one-shot job (the key folder's init) has nothing to scrape
        addr = (service.get("environment") or {}).get("WFA_METRICS_ADDR")
        assert addr, "%s has no WFA_METRICS_ADDR in docker-compose.yml" % name
        port = int(addr.rsplit(":", 1)[1])
        assert "%s:%d" % (name, port) in targets, "%s:%d is not scraped: %r" % (name, port, targets)


def test_metrics_scrape_answers_during_a_slow_client_attack():
    """500 connections that send a part of a request line and then nothing (a slowloris) do
    not stop a normal scrape from answering within a second, and the service keeps working."""
    with System({"approvals": 0, "metrics": 0}, verbose=False) as system:
        addr = system.metrics_addr("requests")
        host, port = host_port(addr)
        scrape(system, "requests")
        slow = []
        try:
            for n in range(500):
                # From ten source addresses, as an attack from a few hosts would come
                s = socket.socket()
                s.bind(("127.0.0.%d" % (10 + n % 10), 0))
                s.setblocking(False)
                s.connect_ex((host, port))
                slow.append(s)
            time.sleep(0.5)
            for s in slow:
                try:
                    s.send(b"GET /metr")
                except OSError:
                    pass        # not accepted (yet): it still holds a place in the queue
            took = []
            for _ in range(3):
                start = time.monotonic()
                status, headers, body = fetch(addr)
                took.append(time.monotonic() - start)
                assert status == 200 and b"wfa_process_start_time_seconds" in body, status
            held = 0
            for s in slow:
                try:
                    held += s.recv(1) == b"x"
                except BlockingIOError:
                    held += 1       # connected, nothing said: still held open
                except OSError:
                    pass
            print("scrapes with %d of 500 slow connections held open took %s s"
                  % (held, ", ".join("%.3f" % t for t in took)))
            assert max(took) < 1.0, took
            system.assert_alive()
            assert system.ping()["requests"] == 1
        finally:
            for s in slow:
                s.close()
        system.assert_alive()
