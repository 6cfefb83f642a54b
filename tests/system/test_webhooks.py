"""Webhooks: a pemda's endpoints get the events their types take, POSTed by
wfa-notifications on the delivery queue and signed the Standard Webhooks way, checked
here by an independent implementation (hmac, base64); a receiver that fails for a while
gets every event, each id once once deduplicated; one that always fails fills the dead
letters and is paused, the admin pemda is told, and RESUME + REPLAY deliver them; kill -9
of wfa-notifications loses no event; filters, ownership and the tenant wall hold."""

import base64
import hashlib
import hmac
import http.server
import json
import re
import threading
import time

from harness import (System, Org, import_rows, key_path, ok, spare_port, wait_until,
                     weekly_monday)

FAST = {"WFA_DELIVER_BASE_MS": "20", "WFA_DELIVER_CAP_MS": "80", "WFA_DELIVER_MAX_ATTEMPTS": "4",
        "WFA_DELIVER_LEASE_MS": "1500", "WFA_DELIVER_PAUSE_AFTER": "100",
        "WFA_WEBHOOK_ALLOW_HTTP_LOOPBACK": "1"}


class Receiver:
    """An HTTP server in a thread that keeps every POST; answer(n) gives the status of
    the n-th POST (0-based)."""

    def __init__(self, answer=lambda n: 200):
        self.answer = answer
        self.lock = threading.Lock()
        self.posts = []             # (headers dict, body bytes, status answered)
        self.port = spare_port()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    status = receiver.answer(len(receiver.posts))
                    receiver.posts.append(({k.lower(): v for k, v in self.headers.items()},
                                           body, status))
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.port

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def delivered(self):
        """webhook-id -> body of each POST answered 2xx."""
        with self.lock:
            return {h["webhook-id"]: json.loads(b) for h, b, s in self.posts if 200 <= s < 300}

    def raw(self):
        with self.lock:
            return [h["webhook-id"] for h, _, _ in self.posts]


def verify(secret, headers, body):
    """The Standard Webhooks check, written from the specification."""
    assert secret.startswith("whsec_"), secret
    key = base64.b64decode(secret[len("whsec_"):])
    assert len(key) == 24, len(key)
    stamp = headers["webhook-timestamp"]
    assert abs(int(stamp) - time.time()) < 300, stamp
    message = ("%s.%s." % (headers["webhook-id"], stamp)).encode() + body
    expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    versions = [s.split(",", 1) for s in headers["webhook-signature"].split(" ")]
    return any(v == "v1" and hmac.compare_digest(sig, expected) for v, sig in versions)


def submit(client, row, key, week):
    return ok(client.call("REQUEST.SUBMIT", {
        "key": key, "as": row["nip"], "kind": "rumah", "dates": [weekly_monday(week)],
        "location": "Rumah", "reason": "Menyusun laporan"}))["request_id"]


SCAN = """local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
    for i = 1, #e[2], 2 do
        if e[2][i] == 'type' then out[#out + 1] = e[1] .. ' ' .. e[2][i + 1] end
    end
end
return out"""


def events_of(system, types):
    """Ids of the outbox events of 35.08 whose type is in types."""
    lines = system.redis("EVAL", SCAN, "1", "wfa:{35.08}:events").split("\n")
    return [l.split(" ")[0] for l in lines if " " in l and l.split(" ")[1] in types]


def operator(system):
    return system.client(identity=key_path(system.keys, "operator"))


def test_signed_retried_dead_paused_resumed_replayed(bin_dir=None, extra_env=None, at_end=None):
    """bin_dir, extra_env, at_end(system): for test_sanitizers, which runs this under ASan."""
    org = Org(opds=("DINKES",), supervisors=1, staff=4)
    flaky_answers = lambda n: 503 if n < 5 else 200
    with Receiver(flaky_answers) as flaky, Receiver(lambda n: 500) as broken, \
            Receiver() as filtered, System(verbose=False, bin_dir=bin_dir,
                                           extra_env=dict(FAST, **(extra_env or {}))) as system:
        client = system.client()
        op = operator(system)
        import_rows(client, org.rows)
        # Bad URLs are refused with a stable code, in both languages
        for url in ("http://example.org/x", "ftp://127.0.0.1/", "https://user@host/", "nope"):
            reply = op.call("WEBHOOK.ADD", {"key": "bad", "pemda": "35.08", "url": url})
            assert reply["code"] == "BAD_VALUE" and reply["field"] == "url", reply
        reply = op.call("WEBHOOK.ADD", {"key": "bad", "pemda": "35.08", "url": "nope", "lang": "en"})
        assert reply["code"] == "BAD_VALUE" and reply["message"], reply
        added = {}
        for name, receiver, types in (("flaky", flaky, []), ("broken", broken, []),
                                      ("filtered", filtered, ["request.*"])):
            reply = ok(op.call("WEBHOOK.ADD", {"key": name, "pemda": "35.08",
                                               "url": receiver.url, "types": types}))
            added[name] = reply
        # The admin pemda manages them (credentials.manage); an employee cannot
        listed = ok(client.call("WEBHOOK.LIST", {"as": org.sekda["nip"], "pemda": "35.08"}))
        assert sorted(w["url"] for w in listed["webhooks"]) == sorted(
            r.url for r in (flaky, broken, filtered)), listed
        reply = client.call("WEBHOOK.LIST", {"as": org.staff[0]["nip"], "pemda": "35.08"})
        assert reply["code"] == "FORBIDDEN", reply
        # ... and not another pemda's
        reply = client.call("WEBHOOK.LIST", {"as": org.sekda["nip"], "pemda": "35.09"})
        assert reply["code"] in ("FORBIDDEN", "NOT_FOUND"), reply

        for n, row in enumerate(org.staff):
            submit(client, row, "s%d" % n, n + 1)
        # Wait for every event so far to reach the flaky receiver
        wait_until("the submissions' events", lambda: len(events_of(
            system, ("request.submitted", "approval.pending"))) >= 8, 10)
        every = set(events_of(system, ("request.submitted", "approval.pending")))
        wait_until("every event at the flaky receiver",
                   lambda: every <= set(flaky.delivered()), 20)
        raw = flaky.raw()
        assert len(raw) > len(set(raw)), "no retry happened: %s" % raw
        delivered = flaky.delivered()
        # Each id answered 2xx once (at least once raw), the body its event's
        assert sorted(h["webhook-id"] for h, _, s in flaky.posts if s == 200) == sorted(
            set(h["webhook-id"] for h, _, s in flaky.posts if s == 200))
        for headers, body, _ in flaky.posts:
            assert headers["content-type"] == "application/json"
            assert verify(added["flaky"]["secret"], headers, body), headers
            assert not verify(added["broken"]["secret"], headers, body)
        first = delivered[sorted(every)[0]]
        assert first["type"] in ("request.submitted", "approval.pending"), first
        assert first["timestamp"].endswith("Z") and isinstance(first["data"], dict), first
        # The filter: request.* only
        wait_until("the filtered receiver", lambda: len(filtered.delivered()) >= 4, 10)
        assert {b["type"] for b in filtered.delivered().values()} <= {
            t for t in ("request.submitted",)}, filtered.delivered()

        # The broken one: dead letters (4 attempts each), then paused; the admin is told
        broken_id = added["broken"]["webhook_id"]

        def state():
            rows = ok(op.call("WEBHOOK.LIST", {"pemda": "35.08"}))["webhooks"]
            return next(w for w in rows if w["webhook_id"] == broken_id)
        wait_until("the broken endpoint paused", lambda: state()["state"] == "paused", 15)
        assert state()["dead"] >= 1, state()

        def told():
            entries = ok(client.call("INBOX.LIST", {"as": org.sekda["nip"]}))["entries"]
            return [e for e in entries if e.get("type") == "webhook.paused"]
        wait_until("the admin pemda told", lambda: told(), 10)
        assert broken_id in told()[0]["message_id"], told()
        # Resume + replay the dead letters against a receiver now fixed
        broken.answer = lambda n: 200
        dead_before = state()["dead"]
        resumed = ok(op.call("WEBHOOK.RESUME", {"key": "r1", "pemda": "35.08",
                                                "webhook_id": broken_id}))
        assert resumed["webhook_id"] == broken_id
        replayed = ok(op.call("WEBHOOK.REPLAY", {"key": "p1", "pemda": "35.08",
                                                 "webhook_id": broken_id}))
        assert 1 <= replayed["queued"] <= len(every), (replayed, dead_before)
        wait_until("every event at the mended receiver",
                   lambda: every <= set(broken.delivered()), 20)
        assert state()["state"] == "active", state()
        # A replay of one event by its id: the same webhook-id again
        one = sorted(every)[0]
        count = broken.raw().count(one)
        ok(op.call("WEBHOOK.REPLAY", {"key": "p2", "pemda": "35.08", "webhook_id": broken_id,
                                      "event_id": one}))
        wait_until("the replayed event", lambda: broken.raw().count(one) == count + 1, 10)
        # ... a retry of that replay queues nothing more
        again = ok(op.call("WEBHOOK.REPLAY", {"key": "p2", "pemda": "35.08",
                                              "webhook_id": broken_id, "event_id": one}))
        assert again["queued"] == 1, again
        reply = op.call("WEBHOOK.REPLAY", {"key": "p3", "pemda": "35.08", "webhook_id": broken_id,
                                           "event_id": "1-0"})
        assert reply["code"] == "NOT_FOUND" and reply["field"] == "event_id", reply
        # wfactl lists them, and resumes one
        listed = json.loads(system.wfactl("--json", "webhook", "list", "--pemda", "35.08").stdout)
        assert broken_id in [w["webhook_id"] for w in listed["webhooks"]], listed
        out = json.loads(system.wfactl("--json", "webhook", "resume", broken_id,
                                       "--pemda", "35.08").stdout)
        assert out["webhook_id"] == broken_id and out["queued"] == 0, out
        made = json.loads(system.wfactl("--json", "webhook", "add", "--pemda", "35.08", "--url",
                                        "https://hooks.test/x", "--type", "request.*",
                                        "--type", "monev.flagged").stdout)
        assert made["secret"].startswith("whsec_"), made
        # Without --json, a person reads the secret (once) and the list as lines
        said = system.wfactl("webhook", "add", "--pemda", "35.08", "--url", "https://hooks.test/y").stdout
        assert re.search(r"^whsec_[A-Za-z0-9+/=]+$", said, re.M) and "shown this once" in said, said
        lines = system.wfactl("webhook", "list", "--pemda", "35.08").stdout
        assert "https://hooks.test/y" in lines and "request.*,monev.flagged" in lines, lines
        assert re.search(r"^%s  active  https://hooks.test/x" % made["webhook_id"], lines, re.M), lines
        rows = ok(op.call("WEBHOOK.LIST", {"pemda": "35.08"}))["webhooks"]
        assert next(w for w in rows if w["webhook_id"] == made["webhook_id"])["types"] == [
            "request.*", "monev.flagged"], rows
        # Removed: no more deliveries to it, and it is gone from the list
        ok(op.call("WEBHOOK.REMOVE", {"key": "x1", "pemda": "35.08", "webhook_id": broken_id}))
        # a retry answers the same; a new key finds nothing
        again = ok(op.call("WEBHOOK.REMOVE", {"key": "x1", "pemda": "35.08", "webhook_id": broken_id}))
        assert again["webhook_id"] == broken_id, again
        reply = op.call("WEBHOOK.REMOVE", {"key": "x2", "pemda": "35.08", "webhook_id": broken_id})
        assert reply["code"] == "NOT_FOUND", reply
        rows = ok(op.call("WEBHOOK.LIST", {"pemda": "35.08"}))["webhooks"]
        assert broken_id not in [w["webhook_id"] for w in rows], rows
        # ADD retried with its key: the same endpoint, the secret not shown again
        retry = ok(op.call("WEBHOOK.ADD", {"key": "flaky", "pemda": "35.08", "url": flaky.url,
                                           "types": []}))
        assert (retry["webhook_id"], retry["secret"]) == (added["flaky"]["webhook_id"], ""), retry
        if at_end:
            at_end(system)


def test_kill9_loses_no_event():
    org = Org(opds=("DINKES",), supervisors=2, staff=15)
    with Receiver() as receiver, System(verbose=False, extra_env=FAST) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(operator(system).call("WEBHOOK.ADD", {"key": "k", "pemda": "35.08", "url": receiver.url,
                                                  "types": ["request.submitted"]}))
        for n, row in enumerate(org.staff):
            submit(client, row, "s%d" % n, 1)
            if n == 10:
                system.kill9("notifications")
        system.start("notifications")
        wait_until("30 events", lambda: len(events_of(system, ("request.submitted",))) == 30, 10)
        every = set(events_of(system, ("request.submitted",)))
        wait_until("all 30 at the receiver", lambda: every <= set(receiver.delivered()), 30)
        assert len(receiver.delivered()) == 30
