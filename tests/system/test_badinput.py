"""Bad input gets error replies with stable codes, and every process keeps serving.

Sent two ways:
- straight to the broker's frontend, as any client would (each command prefix, so
  the broker and every service see it);
- directly to each service, bypassing the broker's checks: the test binds its own
  ROUTER and starts an extra instance of each service pointed at it. That speaks the
  broker <-> worker framing of shared/wfa_service.c (not part of docs/protocol.md):
  worker -> broker ["READY", service, instance, prefix...] and ["REPLY", client, command, body];
  broker -> worker ["CALL", client, command, body].
"""

import contextlib
import random
import time

import msgpack
import zmq

from test_surprises import ROUTE_FIELDS
from harness import (KEMENDAGRI, approve_chain, Org, RawSocket, decode_body, System, import_rows, key_path, ok,
                     read_cert, spare_port, submit_body, wait_until, workdays)

COMMANDS = ["EMPLOYEE.IMPORT", "EMPLOYEE.GET", "REQUEST.SUBMIT", "REQUEST.GET", "REQUEST.LIST",
            "APPROVAL.DECIDE", "APPROVAL.LIST", "INBOX.LIST", "METRICS.GET", "SYSTEM.PING",
            "CHECKIN.IN", "CHECKIN.OUT", "REPORT.SUBMIT", "REPORT.VERIFY", "REPORT.LIST", "REPORT.GET",
            "EKINERJA.PUSH", "MONEV.GET", "MONEV.REBUILD"]
SERVICE_COMMANDS = {
    "requests": ["EMPLOYEE.IMPORT", "EMPLOYEE.GET", "REQUEST.SUBMIT", "REQUEST.GET", "REQUEST.LIST"],
    "approvals": ["APPROVAL.DECIDE", "APPROVAL.LIST"],
    "notifications": ["INBOX.LIST"],
    "metrics": ["METRICS.GET"],
    "monev": ["CHECKIN.IN", "CHECKIN.OUT", "REPORT.SUBMIT", "REPORT.VERIFY", "REPORT.LIST",
              "REPORT.GET", "EKINERJA.PUSH", "MONEV.GET", "MONEV.REBUILD"],
}
# Codes a bad call may get. INTERNAL, REDIS_UNAVAILABLE and SERVICE_UNAVAILABLE are
# not among them: bad input must not break anything.
INPUT_CODES = {"OK", "BAD_FRAME", "BAD_MSGPACK", "TOO_LARGE", "BAD_VERSION", "UNKNOWN_COMMAND",
               "MISSING_FIELD", "WRONG_TYPE", "BAD_VALUE", "BAD_NIP", "BAD_PEMDA", "BAD_DATE",
               "DATE_NOT_FUTURE", "NOT_WORKING_DAY", "DUPLICATE_DATE", "BAD_KIND",
               "UNKNOWN_EMPLOYEE", "NO_APPROVER", "NOT_FOUND", "NOT_YOUR_DECISION",
               "NOT_PENDING", "IMPORT_INVALID", "FORBIDDEN", "BAD_CURSOR",
               # a field the command does not accept: only for a body that has one (random_message)
               "BAD_FIELD", "BAD_ID"}
# A random body of a command's own fields reaches the handler's own checks: no BAD_FIELD
OWN_FIELD_CODES = INPUT_CODES - {"BAD_FIELD"}
COMMON_FIELDS = ["v", "id", "lang", "as"]
FIELDS = ["v", "id", "lang", "key", "as", "rows", "nip", "kind", "dates", "location", "reason",
          "plan", "request_id", "decision", "note", "pemda", "opd", "state", "limit", "from", "to",
          "dry_run"]


def P(obj):
    return msgpack.packb(obj, use_bin_type=True)


def nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def body_cases(cmd):
    """(name, body bytes, expected codes) that are bad for any command."""
    good = P({"v": 1, "id": "x"})
    return [
        ("truncated", P({"v": 1, "id": "abc", "key": "k", "nip": "1" * 18})[:-3], {"BAD_MSGPACK"}),
        ("empty body", b"", {"BAD_MSGPACK"}),
        ("nil body", b"\xc0", {"BAD_MSGPACK"}),
        ("array body", P([1, 2, 3]), {"BAD_MSGPACK"}),
        ("string body", P("v=1"), {"BAD_MSGPACK"}),
        ("trailing bytes", good + b"\x01", {"BAD_MSGPACK"}),
        ("two maps", good + good, {"BAD_MSGPACK"}),
        ("v as str", P({"v": "1", "id": "x"}), {"BAD_VERSION"}),
        ("v missing", P({"id": "x"}), {"BAD_VERSION"}),
        ("v is 2", P({"v": 2}), {"BAD_VERSION"}),
        ("v as float", P({"v": 1.0}), {"BAD_VERSION", "WRONG_TYPE"}),
        ("string over 4096", P({"v": 1, "junk": "x" * 5000}), {"TOO_LARGE"}),
        ("key over 4096", P({"v": 1, "k" * 5000: 1}), {"TOO_LARGE"}),
        ("bin over 64 KiB", P({"v": 1, "junk": b"x" * 65537}), {"TOO_LARGE"}),
        ("array over 1024", P({"v": 1, "junk": list(range(1025))}), {"TOO_LARGE"}),
        ("map over 1024", P({"v": 1, "junk": {str(i): i for i in range(1025)}}), {"TOO_LARGE"}),
        ("nesting over 4", P({"v": 1, "junk": nested(6)}), {"BAD_MSGPACK"}),
        # Both rules apply to a map claiming 2^32-1 entries in a 5-byte body.
        ("map32 claims 2^32-1", b"\xdf\xff\xff\xff\xff", {"BAD_MSGPACK", "TOO_LARGE"}),
        ("array32 claims 2^32-1", b"\x81\xa1a\xdd\xff\xff\xff\xff", {"BAD_MSGPACK", "TOO_LARGE"}),
        ("str32 claims 4 GiB", b"\x81\xa1v\xdb\xff\xff\xff\xff", {"BAD_MSGPACK", "TOO_LARGE"}),
        ("frame over 1 MiB", P({"v": 1, "junk": ["x" * 4000] * 300}), {"TOO_LARGE"}),
        ("non-string key", P({1: 1}), {"BAD_MSGPACK", "WRONG_TYPE", "BAD_VERSION"}),
        ("reserved byte 0xc1", b"\x81\xa1v\xc1", {"BAD_MSGPACK"}),
    ]


def command_cases(nip):
    """(cmd, body, expected code (or set of codes), field) for wrong types and missing fields."""
    sub = submit_body(nip, workdays(1), "bad-1")
    return [
        ("REQUEST.SUBMIT", dict(sub, dates=20310101), "WRONG_TYPE", "dates"),
        ("REQUEST.SUBMIT", dict(sub, dates=[20310101]), "WRONG_TYPE", "dates"),
        ("REQUEST.SUBMIT", dict(sub, kind=1), "WRONG_TYPE", "kind"),
        ("REQUEST.SUBMIT", dict(sub, plan="satu"), "WRONG_TYPE", "plan"),
        ("REQUEST.SUBMIT", dict(sub, plan=["x"] * 21), "TOO_LARGE", "plan"),
        ("REQUEST.SUBMIT", dict(sub, dates=[]), {"BAD_VALUE", "MISSING_FIELD"}, "dates"),
        ("REQUEST.SUBMIT", dict(sub, reason="r" * 2001), "TOO_LARGE", "reason"),
        ("REQUEST.SUBMIT", dict(sub, key=""), {"BAD_VALUE", "MISSING_FIELD"}, "key"),
        ("REQUEST.SUBMIT", dict(sub, key="k" * 65), "TOO_LARGE", "key"),
        ("REQUEST.SUBMIT", {k: v for k, v in sub.items() if k != "reason"}, "MISSING_FIELD", "reason"),
        ("EMPLOYEE.IMPORT", {"key": "i", "rows": "nip,name"}, "WRONG_TYPE", "rows"),
        ("EMPLOYEE.IMPORT", {"rows": []}, "MISSING_FIELD", "key"),
        ("EMPLOYEE.IMPORT", {"key": "i"}, "MISSING_FIELD", "rows"),
        ("EMPLOYEE.GET", {}, "MISSING_FIELD", "nip"),
        ("EMPLOYEE.GET", {"nip": 197001011995011001}, "WRONG_TYPE", "nip"),
        ("EMPLOYEE.GET", {"nip": "1970"}, "BAD_NIP", "nip"),
        ("REQUEST.GET", {}, "MISSING_FIELD", "request_id"),
        ("REQUEST.GET", {"request_id": ["REQ"]}, "WRONG_TYPE", "request_id"),
        ("REQUEST.LIST", {}, "MISSING_FIELD", "as"),
        ("REQUEST.LIST", {"as": "1970"}, "BAD_NIP", "as"),
        ("REQUEST.GET", {"request_id": "REQ-35.08-000001"}, "MISSING_FIELD", "as"),
        ("REQUEST.LIST", {"pemda": "35.08", "limit": "ten"}, "WRONG_TYPE", "limit"),
        ("REQUEST.LIST", {"pemda": "35.08", "limit": 0}, "BAD_VALUE", "limit"),
        ("REQUEST.LIST", {"pemda": "35.08", "limit": 1001}, "BAD_VALUE", "limit"),
        ("REQUEST.LIST", {"pemda": "JATIM"}, "BAD_PEMDA", "pemda"),
        ("APPROVAL.DECIDE", {"key": "d", "as": nip, "request_id": "REQ-35.08-000001"},
         "MISSING_FIELD", "decision"),
        ("APPROVAL.DECIDE", {"key": "d", "as": nip, "request_id": "REQ-35.08-000001",
                             "decision": True}, "WRONG_TYPE", "decision"),
        ("APPROVAL.DECIDE", {"key": "d", "as": nip, "request_id": "REQ-35.08-000001",
                             "decision": "approve", "tasks_fit": "yes"}, "WRONG_TYPE", "tasks_fit"),
        ("APPROVAL.DECIDE", {"key": "d", "as": nip, "request_id": "REQ-35.08-000001",
                             "decision": "approve", "capacity_ok": 1}, "WRONG_TYPE", "capacity_ok"),
        ("APPROVAL.LIST", {}, "MISSING_FIELD", "as"),
        ("APPROVAL.LIST", {"as": 1}, "WRONG_TYPE", "as"),
        ("INBOX.LIST", {}, "MISSING_FIELD", "as"),
        ("INBOX.LIST", {"as": nip, "limit": -1}, "BAD_VALUE", "limit"),
        ("METRICS.GET", {}, "MISSING_FIELD", "pemda"),
        ("METRICS.GET", {"pemda": "35.08", "from": "2026-13-45"}, "BAD_DATE", "from"),
        ("METRICS.GET", {"pemda": "35.08", "to": 20260101}, "WRONG_TYPE", "to"),
        ("CHECKIN.IN", {"as": nip}, "MISSING_FIELD", "key"),
        ("CHECKIN.IN", {"key": "c", "as": nip, "lat": "north", "lon": 1}, "WRONG_TYPE", "lat"),
        ("CHECKIN.IN", {"key": "c", "as": nip, "lat": 1e9, "lon": 1}, "BAD_VALUE", "lat"),
        ("CHECKIN.OUT", {"key": "c", "as": nip, "lon": 113.2}, "MISSING_FIELD", "lat"),
        ("REPORT.SUBMIT", {"key": "r", "as": nip}, "MISSING_FIELD", "activities"),
        ("REPORT.SUBMIT", {"key": "r", "as": nip, "activities": "all day"}, "WRONG_TYPE", "activities"),
        ("REPORT.SUBMIT", {"key": "r", "as": nip, "activities": [{}] * 21}, "TOO_LARGE", "activities"),
        ("REPORT.SUBMIT", {"key": "r", "as": nip, "activities": [{"activity": "a", "output": "b",
                                                                  "quantity": 10 ** 9, "rhk": "R"}]},
         "BAD_VALUE", "quantity"),
        ("REPORT.SUBMIT", {"key": "r", "as": nip, "date": "2026-13-01", "activities": [
            {"activity": "a", "output": "b", "quantity": 1, "rhk": "R"}]}, "BAD_DATE", "date"),
        ("REPORT.VERIFY", {"key": "v", "as": nip, "nip": nip, "date": "2026-12-01", "decision": "maybe"},
         "BAD_VALUE", "decision"),
        ("REPORT.GET", {"as": nip, "nip": nip}, "MISSING_FIELD", "date"),
        ("EKINERJA.PUSH", {"as": nip, "source": "a b", "items": [{}]}, "BAD_VALUE", "source"),
        ("EKINERJA.PUSH", {"as": nip, "source": "s"}, "MISSING_FIELD", "items"),
        ("MONEV.GET", {"as": nip, "from": "2026-12-01"}, "MISSING_FIELD", "to"),
        ("MONEV.GET", {"as": nip, "from": "2026-12-01", "to": "2028-12-01"}, "BAD_VALUE", "to"),
        ("MONEV.GET", {"as": nip, "from": "2026-12-01", "to": "2026-12-02", "by": "hour"}, "BAD_VALUE", "by"),
        ("MONEV.REBUILD", {"as": nip, "pemda": "JATIM"}, "BAD_PEMDA", "pemda"),
    ]


# Replies whose msgpack strings are not UTF-8: collected, then asserted at the end of
# each test (so one such reply does not hide everything the test checks after it).
NOT_UTF8 = []


def assert_replies_utf8():
    problems = list(NOT_UTF8)
    del NOT_UTF8[:]
    assert not problems, "%d replies carry strings that are not UTF-8, e.g.:\n%s" % (
        len(problems), "\n".join(problems[:5]))


@contextlib.contextmanager
def small_system(after):
    """What every test here does around its bad input: a running system with a small org
    imported is yielded as (system, client, org); once the bad input is through, the
    normal flow must still work (its idempotency keys start with after), and no reply may
    have carried a string that is not UTF-8."""
    del NOT_UTF8[:]
    with System() as system:
        client = system.client()
        org = Org(supervisors=1, staff=2)
        import_rows(client, org.rows)
        yield system, client, org
        normal_flow_still_works(system, client, org, after)
    assert_replies_utf8()


def has_error(reply, codes, field):
    """Whether the reply reports one of codes on field (as its code or in errors)."""
    codes = {codes} if isinstance(codes, str) else codes
    found = {(e.get("code"), e.get("field")) for e in reply.get("errors") or []}
    found.add((reply.get("code"), reply.get("field")))
    return any((code, field) in found for code in codes)


def check_reply(what, got, codes, cmd=None, call_id=None):
    assert got is not None, "%s: no reply" % what
    frames, body = got
    assert len(frames) == 2, "%s: reply has %d frames" % (what, len(frames))
    if body is not None and decode_body.error:
        NOT_UTF8.append("%s -> %s" % (what, decode_body.error))
    assert isinstance(body, dict), "%s: reply is not a msgpack map (%s)" % (what, decode_body.error)
    assert body.get("v") == 1 and body.get("status") in ("ok", "error"), "%s: %r" % (what, body)
    assert body.get("code") in codes, "%s: expected %s, got %r" % (what, sorted(codes), body)
    if body["status"] == "error":
        assert isinstance(body.get("message"), str) and body["message"], "%s: %r" % (what, body)
    if cmd is not None:
        assert frames[0] == cmd.encode(), "%s: reply frame 0 %r" % (what, frames[0])
    if call_id is not None:
        assert body.get("id") == call_id, "%s: id not echoed: %r" % (what, body)
    return body


def random_value(rng, depth=0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([0, 1, -1, 2 ** 31, -2 ** 63, 2 ** 64 - 1])
    if kind == 1:
        return "".join(chr(rng.randrange(32, 0x2FF)) for _ in range(rng.randrange(0, 40)))
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    if kind == 3:
        return rng.choice([None, True, False, 1.5, float("nan")])
    if kind == 4:
        return rng.choice(["197001011995011001", "35.08", "REQ-35.08-000001", "rumah",
                           "2031-01-06", "approve", "en", ""])
    if kind == 5:
        return "x" * rng.choice([64, 65, 500, 501, 2000, 2001, 4096, 4097])
    if kind in (6, 7):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {rng.choice(FIELDS): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def has_map(value):
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(has_map(v) for v in value)


def random_message(rng, call_id=None):
    """([command, body] (sometimes more or fewer frames) of random junk, the codes its
    reply may have). A body that is a map draws its fields from the command's own
    (ROUTE_FIELDS), so that the handler's own checks are what answers: BAD_FIELD is
    allowed only when the test adds an unknown field on purpose, or a map inside (an
    item's fields), or the bytes are junk. call_id: the id a map body gets."""
    roll = rng.random()
    if roll < 0.05:
        cmd = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))
    elif roll < 0.1:
        cmd = rng.choice(["REQUEST", "REQUEST.", ".", "SYSTEM.PONG", "INBOX.LIST\x00"]).encode()
    else:
        cmd = rng.choice(COMMANDS).encode()
    name = cmd.decode("latin-1")
    codes = INPUT_CODES
    roll = rng.random()
    if roll < 0.35:
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    elif roll < 0.7:
        own = COMMON_FIELDS + ROUTE_FIELDS.get(name, "").split() if name in ROUTE_FIELDS or \
            name == "SYSTEM.PING" else FIELDS
        obj = {rng.choice(own): random_value(rng) for _ in range(rng.randrange(0, 8))}
        if rng.random() < 0.7:
            obj["v"] = 1
        unknown = rng.random() < 0.15
        if unknown:
            obj["frobnicate"] = random_value(rng)
        if call_id is not None:
            obj["id"] = call_id
        if own is not FIELDS and not unknown and not any(has_map(v) for v in obj.values()):
            codes = OWN_FIELD_CODES
        body = P(obj)
    else:
        obj = {"v": 1, "key": "fz", "as": "197001011995011001", "kind": "rumah",
               "dates": ["2031-01-06"], "location": "x", "reason": "y", "pemda": "35.08",
               "request_id": "REQ-35.08-000001", "decision": "approve", "nip": "197001011995011001"}
        data = bytearray(P(obj))
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data))]
        body = bytes(data)
    frames = [cmd, body]
    roll = rng.random()
    if roll < 0.05:
        frames = [cmd]
    elif roll < 0.1:
        frames = [cmd, body, body]
    return frames, codes


def normal_flow_still_works(system, client, org, key):
    alice = org.staff[0]
    reply = ok(client.call("REQUEST.SUBMIT", submit_body(alice["nip"], workdays(1), key)))
    rid = reply["request_id"]

    def pending():
        got = ok(client.call("APPROVAL.LIST", {"as": alice["supervisor_nip"], "limit": 1000}))
        return rid in [r["request_id"] for r in got["requests"]]
    wait_until("%s pending after bad input" % rid, pending, 15)
    approve_chain(client, rid, key=key)
    req = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
    assert req["state"] == "approved", req
    system.assert_alive()
    assert system.ping() == {name: 1 for name in ("requests", "approvals", "notifications", "metrics",
                                                  "monev")}


def test_badinput_to_broker():
    with small_system("after-bad") as (system, client, org):
        nip = org.staff[0]["nip"]
        with RawSocket(system.frontend) as raw:
            # Frame-level problems.
            for what, frames in [
                ("1 frame", [b"REQUEST.GET"]),
                ("1 empty frame", [b""]),
                ("3 frames", [b"REQUEST.GET", P({"v": 1, "request_id": "x"}), b"x"]),
                ("5 frames", [b"SYSTEM.PING"] + [P({"v": 1})] * 4),
                ("empty command", [b"", P({"v": 1})]),
                ("command over 64 bytes", [b"REQUEST." + b"X" * 57, P({"v": 1})]),
            ]:
                check_reply(what, raw.exchange(frames), {"BAD_FRAME"})
            for cmd in ("REQUEST.FROB", "FOO.BAR", "FOO", "SYSTEM.REBOOT", "request.submit",
                        "APPROVAL", "INBOX.DELETE"):
                check_reply("unknown " + cmd, raw.exchange([cmd.encode(), P({"v": 1, "id": 7})]),
                            {"UNKNOWN_COMMAND"}, cmd, call_id=7)
            # A command that is not ASCII.
            check_reply("non-ASCII command", raw.exchange([b"\xc3\xa9\xff.LIST", P({"v": 1})]),
                        {"UNKNOWN_COMMAND", "BAD_FRAME"})
            # Strings that are not UTF-8: rejected or not, the reply must be well-formed
            # msgpack with UTF-8 strings (no raw echo of the bad bytes).
            for cmd, body in [("REQUEST.LIST", b"\x83\xa1v\x01\xa2id\xa1x\xa5pemda\xa5\xb95.08"),
                              ("REQUEST.GET", b"\x83\xa1v\x01\xa2id\xa1x\xaarequest_id\xa3\xff\xfe\xfd"),
                              ("FOO\xff.BAR", P({"v": 1}))]:
                check_reply("not UTF-8 %r" % body, raw.exchange([cmd.encode("latin-1"), body]),
                            INPUT_CODES - {"OK"})
            check_reply("oversize frame", raw.exchange([b"REQUEST.GET", b"\x81\xa1v\x01" + b"\x00" * (1 << 20)]),
                        {"TOO_LARGE"}, "REQUEST.GET")
            # Body-level problems, to every command (so to the broker and every service).
            for cmd in COMMANDS:
                for what, body, codes in body_cases(cmd):
                    check_reply("%s %s" % (cmd, what), raw.exchange([cmd.encode(), body]), codes, cmd)
            # Field-level problems, with the id echoed.
            for n, (cmd, body, code, field) in enumerate(command_cases(nip)):
                body = dict(body, v=1, id="bad-%d" % n)
                reply = check_reply("%s %r" % (cmd, body)[:300], raw.exchange([cmd.encode(), P(body)]),
                                    INPUT_CODES - {"OK"},
                                    cmd, call_id=body["id"])
                assert has_error(reply, code, field), "%s %r: expected %s on %s, got %r" % (
                    cmd, body, code, field, reply)


def test_badinput_1000_random_frames_to_broker():
    rng = random.Random(20261128)
    with small_system("after-random") as (system, client, org):
        with RawSocket(system.frontend) as raw:
            sent = 0
            narrow = 0
            for batch in range(20):
                # A map body carries its id, to tell which message a reply answers
                messages = [random_message(rng, "m%d-%d" % (batch, n)) for n in range(50)]
                codes_of = {"m%d-%d" % (batch, n): codes for n, (_, codes) in enumerate(messages)}
                for frames, _ in messages:
                    raw.send(frames)
                sent += len(messages)
                for n in range(len(messages)):
                    got = raw.recv(5)
                    assert got is not None, "batch %d: %d of %d random messages unanswered" % (
                        batch, len(messages) - n, len(messages))
                    body = decode_body(got)
                    codes = codes_of.get(body.get("id"), INPUT_CODES) if isinstance(body, dict) \
                        and isinstance(body.get("id"), str) else INPUT_CODES
                    narrow += codes is OWN_FIELD_CODES
                    check_reply("random message", (got, body), codes)
            assert narrow >= 100, "only %d random bodies of the commands' own fields" % narrow
            assert sent == 1000
            assert raw.recv(0.3) is None, "more replies than messages"


def test_badinput_garbage_on_worker_port():
    """A peer on the broker's worker endpoint sending junk does not hurt the broker."""
    rng = random.Random(7)
    with small_system("after-worker-junk") as (system, client, org):
        with RawSocket(system.backend) as fake:
            junk = [[b"READY"], [b"READY", b"nosuchservice", b"i"], [b"REPLY"],
                    [b"REPLY", b"no-such-client", b"REQUEST.GET", P({"v": 1})],
                    [b"REPLY", b"", b"", b""], [b"CALL", b"x", b"y", b"z"], [b""], [b"\xff" * 70000]]
            junk += [[bytes(rng.randrange(256) for _ in range(rng.randrange(0, 100)))
                      for _ in range(rng.randrange(1, 6))] for _ in range(500)]
            for frames in junk:
                fake.send(frames)
            time.sleep(0.5)


class FakeBroker:
    """A ROUTER that services connect to as if it were the broker: it holds the broker's
    key (a test may), so the services' CURVE handshake succeeds, and it names every
    call's principal itself (the gateway's, which may act for anyone in "as")."""

    def __init__(self, endpoint, keys):
        self.sock = zmq.Context.instance().socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        public, secret = read_cert(key_path(keys, "broker"))
        self.sock.curve_server = True
        self.sock.curve_publickey = public.encode()
        self.sock.curve_secretkey = secret.encode()
        self.sock.bind(endpoint)
        self.workers = {}   # service name -> identity
        self.calls = 0

    def close(self):
        self.sock.close(0)

    def wait_workers(self, names, timeout=15):
        deadline = time.monotonic() + timeout
        while set(names) - set(self.workers):
            assert time.monotonic() < deadline, "services never said READY: %r" % (
                set(names) - set(self.workers))
            if self.sock.poll(200):
                frames = self.sock.recv_multipart()
                if len(frames) >= 5 and frames[1] == b"READY":
                    self.workers[frames[2].decode()] = frames[0]

    def send(self, service, frames):
        self.sock.send_multipart([self.workers[service]] + frames)

    def call(self, service, cmd, body, timeout=3):
        """CALL with a raw body; returns (frames, decoded) like RawSocket.exchange."""
        self.calls += 1
        client = b"client-%d" % self.calls
        self.send(service, [b"CALL", client, b"gateway", cmd.encode(), body])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.sock.poll(50):
                continue
            frames = self.sock.recv_multipart()
            if len(frames) >= 2 and frames[1] == b"READY":
                continue
            assert frames[0] == self.workers[service], "reply from another worker: %r" % frames[:2]
            assert len(frames) == 5 and frames[1] == b"REPLY", "bad worker reply %r" % frames[:3]
            if frames[2] != client:
                continue   # a late reply to an earlier call
            return frames[3:], decode_body(frames[3:])
        return None


def test_badinput_directly_to_services():
    rng = random.Random(99)
    with small_system("after-direct") as (system, client, org):
        nip = org.staff[0]["nip"]
        endpoint = "tcp://127.0.0.1:%d" % spare_port()
        fake = FakeBroker(endpoint, system.keys)
        try:
            for name in SERVICE_COMMANDS:
                system.start(name, env={"WFA_BROKER": endpoint}, group=name + "-direct")
            fake.wait_workers(SERVICE_COMMANDS)
            good_calls = {
                "requests": ("EMPLOYEE.GET", {"v": 1, "nip": nip, "as": org.bkd["nip"]}),
                "approvals": ("APPROVAL.LIST", {"v": 1, "as": org.staff[0]["supervisor_nip"]}),
                "notifications": ("INBOX.LIST", {"v": 1, "as": nip}),
                "metrics": ("METRICS.GET", {"v": 1, "pemda": org.pemda, "as": org.bkd["nip"]}),
                "monev": ("MONEV.GET", {"v": 1, "pemda": org.pemda, "as": org.bkd["nip"],
                                        "from": "2026-01-05", "to": "2026-01-09"}),
            }
            for service, commands in SERVICE_COMMANDS.items():
                # Malformed worker messages: dropped, no harm.
                for frames in ([b"CALL"], [b"CALL", b"c"], [b"CALL", b"c", b"EMPLOYEE.GET"],
                               [b"CALL", b"c", b"gateway", b"EMPLOYEE.GET"],
                               [b"CALL", b"c", b"gateway", b"EMPLOYEE.GET", P({"v": 1}), b"extra"],
                               [b"HELLO", b"c", b"x", b"y"], [b""], [b"\x00" * 100]):
                    fake.send(service, frames)
                for cmd in commands + ["FOO.BAR", "SYSTEM.PING"]:
                    for what, body, codes in body_cases(cmd):
                        if cmd in ("FOO.BAR", "SYSTEM.PING"):
                            codes = codes | {"UNKNOWN_COMMAND"}
                        check_reply("direct %s %s %s" % (service, cmd, what),
                                    fake.call(service, cmd, body), codes, cmd)
                for cmd in ("FOO.BAR", "SYSTEM.PING", commands[0] + "X"):
                    check_reply("direct %s %s" % (service, cmd), fake.call(service, cmd, P({"v": 1})),
                                {"UNKNOWN_COMMAND"}, cmd)
                for cmd, body, code, field in command_cases(nip):
                    if cmd not in commands:
                        continue
                    got = fake.call(service, cmd, P(dict(body, v=1, id="d")))
                    reply = check_reply("direct %s %r" % (cmd, body), got, INPUT_CODES - {"OK"}, cmd, "d")
                    assert has_error(reply, code, field), "direct %s %r: %r" % (cmd, body, reply)
                for _ in range(250):
                    frames, codes = random_message(rng)
                    if len(frames) != 2:
                        continue
                    cmd = frames[0] if frames[0] else b"X"
                    fake.send(service, [b"CALL", b"rnd", b"gateway", cmd, frames[1]])
                    got = None
                    while got is None:
                        assert fake.sock.poll(5000), "direct %s: no reply to random call" % service
                        out = fake.sock.recv_multipart()
                        if out[1] == b"REPLY":
                            got = out
                    check_reply("direct random %s %r" % (service, frames)[:300], (got[3:], decode_body(got[3:])),
                                codes)
                cmd, body = good_calls[service]
                check_reply("direct good %s" % service, fake.call(service, cmd, P(body)), {"OK"}, cmd)
            system.assert_alive()
        finally:
            fake.close()
