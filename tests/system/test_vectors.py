"""The hex test vectors in docs/protocol.md: well-formed, one per command, and true
against the running system.

The vectors are made by tests/system/gen_vectors.py; paste its output into the doc."""

import os
import re

import msgpack

import gen_vectors
from harness import ROOT, RawSocket, System, decode_body, key_path, wait_until

DOC = os.path.join(ROOT, "docs", "protocol.md")
COMMANDS = ["EMPLOYEE.IMPORT", "EMPLOYEE.GET", "REQUEST.SUBMIT", "REQUEST.GET", "REQUEST.LIST",
            "APPROVAL.DECIDE", "APPROVAL.LIST", "INBOX.LIST", "METRICS.GET", "SYSTEM.PING",
            "AUDIT.REQUEST", "AUDIT.VERIFY", "CALENDAR.SET", "CALENDAR.GET", "POLICY.SET",
            "POLICY.GET", "APPROVAL.DELEGATE", "APPROVAL.DECIDE_MANY", "REQUEST.CANCEL",
            "REQUEST.REVOKE", "REQUEST.RESUBMIT"]
VECTOR_RE = re.compile(r"^### vector: (\S+)\nframe0: (\S+)\nframe1: ([0-9a-fA-F]+)[ \t]*$", re.M)


def doc_vectors():
    """[(name, command, frame1 bytes)] in document order."""
    with open(DOC) as f:
        text = f.read()
    found = [(name, cmd, bytes.fromhex(hex_)) for name, cmd, hex_ in VECTOR_RE.findall(text)]
    assert found, ("docs/protocol.md has no test vectors: paste the output of "
                   "/usr/bin/python3 tests/system/gen_vectors.py into it")
    names = [name for name, _, _ in found]
    assert len(names) == len(set(names)), "vector names repeat: %r" % names
    return found


def decode(frame1):
    return msgpack.unpackb(frame1, raw=False, strict_map_key=False)


def test_vectors_well_formed_and_complete():
    vectors = doc_vectors()
    by_name = {}
    for name, cmd, frame1 in vectors:
        body = decode(frame1)
        assert isinstance(body, dict) and body.get("v") == 1, "%s: %r" % (name, body)
        assert msgpack.packb(body, use_bin_type=True) == frame1, "%s: not canonical msgpack" % name
        by_name[name] = (cmd, body)
    calls = {name: v for name, v in by_name.items() if "status" not in v[1]}
    replies = {name: v for name, v in by_name.items() if "status" in v[1]}
    for cmd in COMMANDS:
        assert any(c == cmd for c, _ in calls.values()), "no call vector for %s" % cmd
        assert any(c == cmd for c, _ in replies.values()), "no reply vector for %s" % cmd
    for name, (cmd, body) in replies.items():
        assert name.endswith(".reply") and name[:-6] in calls, "reply %s has no call %s" % (name, name[:-6])
        call_cmd, call = calls[name[:-6]]
        assert cmd == call_cmd, "%s: frame0 %s, its call's is %s" % (name, cmd, call_cmd)
        assert body["status"] in ("ok", "error") and isinstance(body.get("code"), str), body
        assert (body["status"] == "ok") == (body["code"] == "OK"), body
        assert isinstance(body.get("message"), str), body
        if "id" in call:
            assert body.get("id") == call["id"], "%s does not echo the id" % name
    # The generator's vectors are all in the document, byte for byte.
    doc = {name: (cmd, frame1) for name, cmd, frame1 in vectors}
    for name, cmd, body in gen_vectors.vectors():
        assert doc.get(name) == (cmd, gen_vectors.pack(body)), \
            "vector %s differs from tests/system/gen_vectors.py output (regenerate the doc)" % name


def test_vectors_against_running_system():
    vectors = doc_vectors()
    replies = {name: (cmd, decode(frame1)) for name, cmd, frame1 in vectors if name.endswith(".reply")}
    with System() as system:
        client = system.client()
        placeholder = gen_vectors.REQUEST_ID
        real_id = None
        # Calls that name someone in "as" go with the gateway's key (which acts for the
        # people it authenticated), an import that names nobody with the operator's
        operator = RawSocket(system.frontend, identity=key_path(system.keys, "operator"))
        with RawSocket(system.frontend) as raw, operator:
            for name, cmd, frame1 in vectors:
                if name.endswith(".reply"):
                    continue
                body = decode(frame1)
                if real_id and real_id != placeholder and body.get("request_id") == placeholder:
                    body["request_id"] = real_id       # numbering may differ; the shape may not
                    frame1 = msgpack.packb(body, use_bin_type=True)
                if cmd.startswith("APPROVAL.") and real_id:
                    def opened():
                        r = client.call("REQUEST.GET", {"request_id": real_id})
                        return r.get("status") == "ok" and (
                            (r["request"]["state"] == "pending" and r["request"]["approver"])
                            or r["request"]["state"] not in ("submitted", "pending"))
                    wait_until("%s to await its approver" % real_id, opened, 15, 0.1)
                if cmd == "INBOX.LIST" and real_id:
                    wait_until("the decision in the inbox", lambda: client.call(
                        "INBOX.LIST", {"as": body["as"]}).get("count", 0) > 0, 15, 0.1)
                sock = operator if cmd == "EMPLOYEE.IMPORT" and "as" not in body else raw
                got = sock.exchange([cmd.encode(), frame1], timeout=5)
                assert got is not None, "vector %s: no reply" % name
                frames, reply = got
                assert reply is not None, "vector %s: reply does not decode: %s" % (name, decode_body.error)
                assert frames[0] == cmd.encode(), "vector %s: reply frame0 %r" % (name, frames[0])
                if name == "request.submit" and reply.get("status") == "ok":
                    real_id = reply["request_id"]
                want = replies.get(name + ".reply")
                if want is None:
                    continue
                want = want[1]
                assert (reply.get("status"), reply.get("code")) == (want["status"], want["code"]), \
                    "vector %s: expected %s/%s, got %r" % (name, want["status"], want["code"], reply)
                assert reply.get("id") == want.get("id"), "vector %s: id %r" % (name, reply.get("id"))
                assert set(want) - {"message"} <= set(reply), \
                    "vector %s: reply lacks %r" % (name, sorted(set(want) - set(reply)))
        system.assert_alive()

