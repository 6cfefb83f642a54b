"""docs/protocol.md says what every command's ok reply holds, field for field, and the real
replies say the same.

Each command's section (### `COMMAND`) has one line

    Reply fields: `a`, `b`, `c`?

naming every data field of its ok replies (besides v, id, status, code, message), a `?` after
one that only some replies have. The test sends the protocol's call vectors (the ones
test_vectors checks) and a few more calls to a fresh system, and for every command with an
ok reply checks that each reply has every field the doc names without `?` and no field the
doc does not name. It also checks that every command of the route tables has its line, and
that the checks fail on a doc that differs (test_the_check_can_fail)."""

import datetime
import os
import re
import tempfile

import msgpack

import gen_vectors
from harness import (ROOT, Clock, Org, RawSocket, System, approve_chain, awaiting, key_path, ok,
                     staffed, submit_body, wait_until, workdays)
from test_surprises import ROUTE_FIELDS

DOC = os.path.join(ROOT, "docs", "protocol.md")
COMMON = {"v", "id", "status", "code", "message"}
SECTION_RE = re.compile(r"^### `([A-Z_]+\.[A-Z_]+)`", re.M)
LINE_RE = re.compile(r"^Reply fields: (.*)$", re.M)
FIELD_RE = re.compile(r"`([a-z_]+)`(\??)")


def documented(text):
    """{command: (required fields, optional fields)} from the doc's Reply fields lines."""
    sections = SECTION_RE.split(text)
    out = {}
    for command, body in zip(sections[1::2], sections[2::2]):
        body = body.split("\n## ")[0]
        lines = LINE_RE.findall(body)
        assert len(lines) <= 1, "%s: %d 'Reply fields:' lines" % (command, len(lines))
        if not lines:
            continue            #  A section without the line: see the test's list of commands
        fields = FIELD_RE.findall(re.sub(r"\([^)]*\)", "", lines[0]))     # not the conditions
        assert fields or lines[0].strip() == "none.", "%s: no fields in %r" % (command, lines[0])
        out[command] = ({f for f, opt in fields if not opt}, {f for f, opt in fields if opt})
    return out


def compare(docs, replies):
    """Problems: (command, what) for each difference between the doc and the replies."""
    problems = []
    for command, seen in sorted(replies.items()):
        if command not in docs:
            problems.append((command, "no Reply fields line"))
            continue
        required, optional = docs[command]
        for reply in seen:
            fields = set(reply) - COMMON
            for field in sorted(required - fields):
                problems.append((command, "documented %s missing from a reply" % field))
            for field in sorted(fields - required - optional):
                problems.append((command, "reply field %s not documented" % field))
    return problems


def real_replies():
    """{command: [ok reply, ...]}: the call vectors sent in order, as test_vectors does,
    then calls the vectors have no ok reply of."""
    replies = {}
    vectors = [(name, cmd, frame1) for name, cmd, frame1 in
               ((n, c, gen_vectors.pack(b)) for n, c, b in gen_vectors.vectors())
               if not name.endswith(".reply")]
    with System(verbose=False) as system:
        client = system.client()
        placeholder, real_id = gen_vectors.REQUEST_ID, None
        operator = RawSocket(system.frontend, identity=key_path(system.keys, "operator"))
        with RawSocket(system.frontend) as raw, operator:
            for name, cmd, frame1 in vectors:
                body = msgpack.unpackb(frame1, raw=False)
                if real_id and body.get("request_id") == placeholder:
                    body["request_id"] = real_id
                    frame1 = msgpack.packb(body, use_bin_type=True)
                if cmd.startswith("APPROVAL.") and real_id:
                    def opened():
                        r = ok(client.call("REQUEST.GET", {"request_id": real_id}))["request"]
                        return (r["state"] == "pending" and r["approver"]) or \
                            r["state"] not in ("submitted", "pending")
                    wait_until("%s to await its approver" % real_id, opened, 15, 0.1)
                if cmd == "INBOX.LIST" and real_id:
                    wait_until("the decision in the inbox", lambda: client.call(
                        "INBOX.LIST", {"as": body["as"]}).get("count", 0) > 0, 15, 0.1)
                sock = operator if cmd == "EMPLOYEE.IMPORT" and "as" not in body else raw
                got = sock.exchange([cmd.encode(), frame1], timeout=5)
                assert got is not None and got[1] is not None, name
                reply = got[1]
                if name == "request.submit" and reply.get("status") == "ok":
                    real_id = reply["request_id"]
                if reply.get("status") == "ok":
                    replies.setdefault(cmd, []).append(reply)
            # What the vectors do not show: a key the operator may issue, a list by state
            reply = msgpack.unpackb(operator.exchange([b"KEYS.ALLOW", msgpack.packb(
                {"v": 1, "principal": "employee:" + gen_vectors.PEGAWAI, "action": "issue"})])[0][1], raw=False)
            replies.setdefault("KEYS.ALLOW", []).append(ok(reply))
    # The writes of a request's life and of a flexible day, each sent twice (a retry
    # answers with the same fields)
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-docs-"), "clock"))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=2))
        staff, atasan = org.staff[0]["nip"], org.supervisors[0]["nip"]
        kepala = org.kepala["DINKES"]["nip"]

        def call(command, body, twice=True):
            for _ in range(2 if twice else 1):
                reply = ok(client.call(command, body), command)
                replies.setdefault(command, []).append(reply)
            return reply
        dates = workdays(2)
        rid = call("REQUEST.SUBMIT", submit_body(staff, dates, "s1"))["request_id"]
        awaiting(client, rid)
        call("APPROVAL.DECIDE", {"key": "d1", "as": atasan, "request_id": rid, "decision": "return",
                                 "note": "Perbaiki"})
        call("REQUEST.RESUBMIT", dict(submit_body(staff, dates, "s2"), request_id=rid))
        approve_chain(client, rid)
        call("REQUEST.REVOKE", {"key": "r1", "as": kepala, "request_id": rid, "from": dates[1],
                                "reason": "Kebutuhan dinas"})
        clock.set(datetime.date.fromisoformat(dates[0]), 7, 45)
        call("CHECKIN.IN", {"key": "i1", "as": staff})
        call("CHECKIN.OUT", {"key": "o1", "as": staff})
        activities = [{"activity": "Menyusun laporan", "output": "Dokumen", "quantity": 2, "rhk": "RHK-1"}]
        call("REPORT.SUBMIT", {"key": "p1", "as": staff, "activities": activities})
        call("REPORT.GET", {"as": staff, "nip": staff, "date": dates[0]}, twice=False)
        call("PREFS.SET", {"key": "m1", "as": staff, "email": {"report.accepted": "off"}})
        call("PREFS.GET", {"as": staff}, twice=False)
        call("INBOX.READ", {"key": "ir1", "as": staff, "all": True})
        call("REPORT.VERIFY", {"key": "v1", "as": atasan, "nip": staff, "date": dates[0],
                               "decision": "accept"})
        # The integrators' reads, and an employee's leaving and return
        sekda, other = org.sekda["nip"], org.staff[1]["nip"]
        call("EMPLOYEE.LIST", {"as": sekda, "limit": 2}, twice=False)
        call("SCHEDULE.GET", {"as": sekda, "date": dates[0]}, twice=False)
        call("REQUEST.LIST", {"as": sekda, "changed_since": "0"}, twice=False)
        call("EKINERJA.PUSH", {"key": "e1", "as": sekda, "source": "s", "items": [
            {"id": "t1", "type": "target", "nip": staff, "period": dates[0][:7], "rhk": "RHK-1",
             "quantity": 10}]})
        # A correction: its reply has `replaced` too
        call("EKINERJA.PUSH", {"key": "e2", "as": sekda, "source": "s", "items": [
            {"id": "t2", "type": "target", "nip": staff, "period": dates[0][:7], "rhk": "RHK-1",
             "quantity": 12, "replaces": "t1", "reason": "revisi SKP"}]})
        call("EKINERJA.GET", {"as": sekda, "nip": staff}, twice=False)
        call("MONEV.REPORT", {"as": sekda, "period": dates[0][:7]}, twice=False)
        call("EMPLOYEE.DEACTIVATE", {"key": "x1", "as": sekda, "nip": other, "reason": "pindah"})
        call("EMPLOYEE.REACTIVATE", {"key": "x2", "as": sekda, "nip": other})
        # The gateway's credentials, by the admin pemda
        token = call("TOKEN.CREATE", {"key": "t1", "as": sekda, "pemda": org.pemda, "role": "integrator",
                                      "name": "simpeg", "expires_days": 30})
        call("TOKEN.LIST", {"as": sekda, "limit": 1}, twice=False)
        call("TOKEN.REVOKE", {"key": "t2", "as": sekda, "pemda": org.pemda, "token_id": token["token_id"]})
        call("IDP.SET", {"key": "o1", "as": sekda, "pemda": org.pemda, "issuer": "https://sso.test/docs",
                         "audience": "fleksi", "jwks_uri": "https://sso.test/docs/certs"})
        call("IDP.GET", {"as": sekda, "pemda": org.pemda}, twice=False)
        hook = call("WEBHOOK.ADD", {"key": "w1", "as": sekda, "pemda": org.pemda,
                                    "url": "https://hooks.test/fleksi", "types": ["request.*"]})
        call("WEBHOOK.LIST", {"as": sekda, "pemda": org.pemda, "limit": 1}, twice=False)
        call("WEBHOOK.RESUME", {"key": "w2", "as": sekda, "pemda": org.pemda,
                                "webhook_id": hook["webhook_id"]}, twice=False)
        call("WEBHOOK.REPLAY", {"key": "w3", "as": sekda, "pemda": org.pemda,
                                "webhook_id": hook["webhook_id"]})
        call("WEBHOOK.REMOVE", {"key": "w4", "as": sekda, "pemda": org.pemda,
                                "webhook_id": hook["webhook_id"]})
    return replies


def test_docs_match_the_replies_field_for_field():
    with open(DOC) as f:
        docs = documented(f.read())
    missing = sorted((set(ROUTE_FIELDS) | {"SYSTEM.PING"}) - set(docs))
    assert not missing, "commands without a Reply fields line: %r" % missing
    replies = real_replies()
    assert not set(ROUTE_FIELDS) - set(replies), \
        "no ok reply seen of %r" % sorted(set(ROUTE_FIELDS) - set(replies))
    problems = compare(docs, replies)
    assert not problems, "docs/protocol.md and the replies differ:\n%s" % "\n".join(
        "%s: %s" % p for p in problems)


def test_the_check_can_fail():
    text = ("### `X.Y` — a command\n\nReply fields: `a`, `b`? (with `c`).\n\n"
            "### `X.Z`\n\nReply fields: none.\n")
    docs = documented(text)
    assert docs == {"X.Y": ({"a"}, {"b"}), "X.Z": (set(), set())}, docs
    assert compare(docs, {"X.Y": [{"v": 1, "a": 1}, {"a": 1, "b": 2}]}) == []
    assert compare(docs, {"X.Y": [{"b": 2}]}) == [("X.Y", "documented a missing from a reply")]
    assert compare(docs, {"X.Y": [{"a": 1, "c": 3}]}) == [("X.Y", "reply field c not documented")]
    assert compare(docs, {"X.W": [{}]}) == [("X.W", "no Reply fields line")]
    assert documented("### `X.Y`\n\nno line\n") == {}
    try:
        documented("### `X.Y`\n\nReply fields: `a`.\nReply fields: `b`.\n")
        raise AssertionError("a section with two lines passed")
    except AssertionError as e:
        assert "2 'Reply fields:' lines" in str(e), e
