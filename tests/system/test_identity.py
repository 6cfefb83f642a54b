"""Identity on every socket, tried as an attacker on the same network would (issue 9).

Every System runs CURVE with a key folder of its own (harness.make_keys). Here each
principal signs in with its own key, not the gateway's, and the broker and services are
checked to act on the key that authenticated, never on a field of the message:

- a client with no key, or a key nobody issued, gets no answer, and no call reaches a worker;
- a worker whose key is not on the allow-list, or not that service's, receives no call;
- a stolen employee key cannot decide as its owner's atasan; "as" from any principal but the
  gateway must name the principal itself;
- a reply from a worker the call was not sent to is dropped, and so is a second reply;
- a revoked key is refused from the next connection on (and its open connection cut off);
- wfactl --as NIP without that person's key fails with NO_KEY; an admin pemda issues keys
  for its own people only; Kemendagri's key reads and writes nothing.
"""

import json
import os
import re
import subprocess
import time
import urllib.request

import msgpack
import zmq

from harness import (KEMENDAGRI, Client, Org, STEP_FIELDS, System, awaiting, curve_socket,
                     import_rows, key_path, ok, staffed, submit_body, wait_until, wfactl_env, workdays)


def metric(system, process, name, **labels):
    """The sum of a counter's samples with these labels on a process's /metrics (0 when none)."""
    text = urllib.request.urlopen("http://%s/metrics" % system.metrics_addr(process), timeout=5).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") and all('%s="%s"' % item in line for item in labels.items()))


def broker_metric(system, name, **labels):
    return metric(system, "broker", name, **labels)


def handled(system, service="requests"):
    """Calls a service's worker received."""
    return metric(system, service, "wfa_messages_in_total")


def stranger_key(folder):
    """A secret certificate nobody issued: made with wfactl keys init in a folder of its own."""
    subprocess.run([os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin", "wfactl"),
                    "keys", "init", folder], check=True, capture_output=True)
    return key_path(folder, "operator")


def call_on(sock, cmd, body, timeout=2.0):
    """Send one call on a raw socket; its decoded reply, or None when nothing comes."""
    body = dict(body, v=1, id=body.get("id", "x-%f" % time.time()))
    try:
        sock.send_multipart([cmd.encode(), msgpack.packb(body, use_bin_type=True)], zmq.NOBLOCK)
    except zmq.Again:
        return None         # no connection to send on: the handshake never completed
    if not sock.poll(int(timeout * 1000)):
        return None
    return msgpack.unpackb(sock.recv_multipart()[1], raw=False)


def assert_unanswered(system, identity, calls):
    """On a frontend socket of identity (a key file, or None for no CURVE), none of
    calls (command, body, timeout) gets an answer."""
    sock = curve_socket(zmq.DEALER, system.frontend, system.keys, identity)
    try:
        for command, body, timeout in calls:
            assert call_on(sock, command, body, timeout) is None, (identity, command)
    finally:
        sock.close(0)


def test_no_key_or_unknown_key_gets_no_answer():
    with System(verbose=False) as system:
        client, org = staffed(system)
        before = handled(system)
        calls_before = broker_metric(system, "wfa_broker_calls_total")
        get = ("EMPLOYEE.GET", {"nip": org.bkd["nip"], "as": org.bkd["nip"]})
        # No CURVE at all: the handshake never completes, nothing is answered
        assert_unanswered(system, None, [("SYSTEM.PING", {}, 1.5), get + (1.0,)])
        # A well-formed key that nobody issued: refused at the handshake by the broker's ZAP
        stranger = stranger_key(os.path.join(system.tmp, "elsewhere"))
        assert_unanswered(system, stranger, [("SYSTEM.PING", {}, 1.5), get + (1.0,)])
        # A service's key is no client's: the broker answers it nothing
        assert_unanswered(system, key_path(system.keys, "service", "requests"), [get + (1.5,)])
        assert broker_metric(system, "wfa_broker_refused_total", reason="client_key") >= 1
        # Nothing reached a worker, and the broker counted no call
        assert handled(system) == before, (before, handled(system))
        assert broker_metric(system, "wfa_broker_calls_total") == calls_before
        # Who holds a key is answered, by the same broker
        assert system.ping() is not None
        system.assert_alive()


def test_worker_with_unknown_or_wrong_key_gets_no_call():
    with System(verbose=False) as system:
        client, org = staffed(system)
        rogues = []
        try:
            # A fake requests worker with a key nobody issued cannot complete the handshake;
            # one with a client's key (the gateway's) or another service's key is refused
            # as requests
            keys = [stranger_key(os.path.join(system.tmp, "elsewhere")),
                    key_path(system.keys, "gateway"), key_path(system.keys, "service", "approvals")]
            for key in keys:
                rogue = curve_socket(zmq.DEALER, system.backend, system.keys, key)
                rogues.append(rogue)
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:      # READY every 100 ms, as eager as can be
                for rogue in rogues:
                    try:
                        rogue.send_multipart([b"READY", b"requests", b"rogue", b"REQUEST.", b"EMPLOYEE."],
                                              zmq.NOBLOCK)
                    except zmq.Again:
                        pass        # refused at the handshake: not even connected
                time.sleep(0.1)
            assert system.ping()["requests"] == 1, system.ping()
            replies = client.call_many([("EMPLOYEE.GET", {"nip": org.bkd["nip"], "as": org.bkd["nip"]})
                                        for _ in range(20)])
            assert all(r["code"] == "OK" for r in replies), replies
            for rogue in rogues:
                assert not rogue.poll(200), "a rogue worker received %r" % (rogue.recv_multipart(),)
            assert broker_metric(system, "wfa_broker_refused_total", reason="worker_key") >= 1
        finally:
            for rogue in rogues:
                rogue.close(0)
        system.assert_alive()


def test_stolen_employee_key_and_as_from_others():
    with System(verbose=False) as system:
        client, org = staffed(system)
        staff = org.staff[0]
        atasan = staff["supervisor_nip"]
        keys = system.issue_keys([staff["nip"], atasan])
        rid = ok(client.call("REQUEST.SUBMIT", submit_body(staff["nip"], workdays(1), "s1")))["request_id"]
        awaiting(client, rid)
        # With the employee's key, "as" the atasan is refused before anything is looked at
        with Client(system.frontend, identity=keys[staff["nip"]]) as thief:
            decide = dict({"key": "d1", "request_id": rid, "decision": "approve"}, **STEP_FIELDS["atasan"])
            reply = thief.call("APPROVAL.DECIDE", dict(decide, **{"as": atasan}))
            assert reply["code"] == "FORBIDDEN" and reply["field"] == "as", reply
            # Without "as" the key acts as its own person, who is not the approver
            reply = thief.call("APPROVAL.DECIDE", dict(decide, key="d2"))
            assert reply["code"] == "NOT_YOUR_DECISION", reply
            # "as" naming itself is the same as none; reads are its own
            ok(thief.call("REQUEST.GET", {"request_id": rid, "as": staff["nip"]}))
            assert thief.call("EMPLOYEE.GET", {"nip": atasan, "as": atasan})["code"] == "FORBIDDEN"
        # The atasan's own key decides
        with Client(system.frontend, identity=keys[atasan]) as owner:
            ok(owner.call("APPROVAL.DECIDE", dict(decide, key="d3")))
        # "as" from the operator, an integrator account or Kemendagri is refused too
        integrator = system.issue_key("integrator", "ekinerja", pemda=org.pemda)
        for key in (key_path(system.keys, "operator"), integrator,
                    key_path(system.keys, "kemendagri", KEMENDAGRI)):
            with Client(system.frontend, identity=key) as other:
                reply = other.call("REQUEST.GET", {"request_id": rid, "as": staff["nip"]})
                assert reply["code"] == "FORBIDDEN" and reply["field"] == "as", (key, reply)
        # The integrator account acts in its pemda only, as no person
        with Client(system.frontend, identity=integrator) as feed:
            ok(feed.call("METRICS.GET", {"pemda": org.pemda}))
            assert feed.call("METRICS.GET", {"pemda": "35.09"})["code"] == "FORBIDDEN"
            assert feed.call("REQUEST.SUBMIT", submit_body(None, workdays(1), "s2"))["code"] == "FORBIDDEN"
            # It imports its pemda's people; as no person, it is nobody's atasan and has no
            # roles of its own to raise (a row with no supervisor is just that)
            ok(feed.call("EMPLOYEE.IMPORT", {"key": "i1", "rows": [dict(org.sekda)]}))
        # The Kemendagri key reads every pemda, writes nothing, takes no rebuild lock
        with Client(system.frontend, identity=key_path(system.keys, "kemendagri", KEMENDAGRI)) as nation:
            ok(nation.call("METRICS.GET", {"pemda": org.pemda}))
            assert nation.call("MONEV.REBUILD", {"pemda": org.pemda})["code"] == "FORBIDDEN"
            assert nation.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "text": "[limits]\n"})["code"] == "FORBIDDEN"
        system.assert_alive()


def test_reply_from_another_worker_is_dropped():
    """The broker remembers which worker each call went to. A process that stole the
    approvals service's key sends replies for calls that went to requests: dropped, and
    the client gets the real worker's answer, once."""
    with System({"requests": 0}, verbose=False) as system:
        worker = curve_socket(zmq.DEALER, system.backend, system.keys,
                              key_path(system.keys, "service", "requests"))
        forger = curve_socket(zmq.DEALER, system.backend, system.keys,
                              key_path(system.keys, "service", "approvals"))
        client = curve_socket(zmq.DEALER, system.frontend, system.keys, key_path(system.keys, "gateway"))
        try:
            wait_until("the test worker to register", lambda: (
                worker.send_multipart([b"READY", b"requests", b"test", b"REQUEST."]) or True)
                and (system.ping() or {}).get("requests") == 1, 10, 0.2)
            client.send_multipart([b"REQUEST.GET", msgpack.packb({"v": 1, "id": "q1", "as": KEMENDAGRI,
                                                                  "request_id": "REQ-35.08-000001"})])
            assert worker.poll(3000), "the call did not reach the worker"
            frames = worker.recv_multipart()
            while frames[0] == b"READY":
                frames = worker.recv_multipart()
            kind, token, principal, command = frames[:4]
            assert kind == b"CALL" and principal == b"gateway" and command == b"REQUEST.GET", frames
            forged = msgpack.packb({"v": 1, "id": "q1", "status": "ok", "code": "OK", "forged": True})
            before = broker_metric(system, "wfa_broker_refused_total", reason="stray_reply")
            forger.send_multipart([b"REPLY", token, b"REQUEST.GET", forged])
            assert not client.poll(700), "a forged reply reached the client: %r" % (client.recv_multipart(),)
            genuine = msgpack.packb({"v": 1, "id": "q1", "status": "ok", "code": "OK", "genuine": True})
            worker.send_multipart([b"REPLY", token, b"REQUEST.GET", genuine])
            assert client.poll(3000)
            reply = msgpack.unpackb(client.recv_multipart()[1], raw=False)
            assert reply.get("genuine") is True and "forged" not in reply, reply
            # The same token again, even from the right worker: the call is answered
            worker.send_multipart([b"REPLY", token, b"REQUEST.GET", forged])
            # A made-up token
            worker.send_multipart([b"REPLY", b"\x07" * 8, b"REQUEST.GET", forged])
            assert not client.poll(700), "a second reply reached the client"
            wait_until("the broker to count the stray replies", lambda: broker_metric(
                system, "wfa_broker_refused_total", reason="stray_reply") >= before + 3, 5)
        finally:
            for sock in (worker, forger, client):
                sock.close(0)
        system.assert_alive()


def test_revoked_key_refused_from_next_connection_and_cut_off():
    with System(verbose=False) as system:
        client, org = staffed(system)
        nip = org.bkd["nip"]
        key = system.issue_keys([nip])[nip]
        kept = open(key).read()           # what a thief would keep
        held = curve_socket(zmq.DEALER, system.frontend, system.keys, key)
        try:
            assert call_on(held, "EMPLOYEE.GET", {"nip": nip})["code"] == "OK"
            out = system.wfactl("keys", "revoke", "--nip", nip)
            assert "revoked employee:%s" % nip in out.stdout, out.stdout
            assert not os.path.exists(key)
            copy = os.path.join(system.tmp, "stolen.key")
            with open(copy, "w") as f:
                f.write(kept)
            fresh = curve_socket(zmq.DEALER, system.frontend, system.keys, copy)
            try:
                assert call_on(fresh, "EMPLOYEE.GET", {"nip": nip}, 1.5) is None
            finally:
                fresh.close(0)
            # The connection opened before: cut off within the broker's second
            time.sleep(1.2)
            assert call_on(held, "EMPLOYEE.GET", {"nip": nip}, 1.5) is None
            assert broker_metric(system, "wfa_broker_refused_total", reason="revoked") >= 1
            # wfactl too: the secret is gone, so --as has nothing to sign in with
            out = subprocess.run([os.path.join(system.bin_dir, "wfactl"), "show", "REQ-35.08-000001",
                                  "--as", nip], capture_output=True, text=True, env=wfactl_env(system), timeout=30)
            assert out.returncode == 2 and "error: NO_KEY:" in out.stderr, out
            # A new key for the same person works again
            system.issue_keys([nip])
            with Client(system.frontend, identity=key) as again:
                ok(again.call("EMPLOYEE.GET", {"nip": nip}))
        finally:
            held.close(0)
        system.assert_alive()


def test_wfactl_keys_issue_list_and_who_may():
    with System(verbose=False) as system:
        org = Org(pemda="35.08", supervisors=1, staff=1)
        other = Org(pemda="35.09", supervisors=1, staff=1, base=500)
        client = system.client()
        import_rows(client, org.rows + other.rows)
        run = os.path.join(system.bin_dir, "wfactl")

        def ctl(*args):
            return subprocess.run([run] + list(args), capture_output=True, text=True,
                                  env=wfactl_env(system), timeout=30)
        # Without the person's key, wfactl cannot act as them
        staff = org.staff[0]["nip"]
        out = ctl("inbox", "--as", staff)
        assert out.returncode == 2 and "error: NO_KEY:" in out.stderr and staff in out.stderr, out
        # The admin pemda (the sekda) issues keys for its own people, not for another pemda's,
        # nor Kemendagri's; a pegawai issues none
        system.issue_keys([org.sekda["nip"], org.bkd["nip"]])
        out = ctl("keys", "issue", "--nip", staff, "--as", org.sekda["nip"])
        assert out.returncode == 0 and "issued employee:%s" % staff in out.stdout, out
        assert os.stat(key_path(system.keys, "nip", staff)).st_mode & 0o077 == 0
        assert ctl("inbox", "--as", staff).returncode == 0
        out = ctl("keys", "issue", "--nip", other.staff[0]["nip"], "--as", org.sekda["nip"])
        assert out.returncode == 1 and "FORBIDDEN" in out.stderr, out
        out = ctl("keys", "issue", "--kemendagri", "197001011990011001", "--as", org.sekda["nip"])
        assert out.returncode == 1 and "FORBIDDEN" in out.stderr, out
        out = ctl("keys", "issue", "--nip", org.staff[0]["supervisor_nip"], "--as", org.bkd["nip"])
        assert out.returncode == 1 and "FORBIDDEN" in out.stderr, out
        assert not os.path.exists(key_path(system.keys, "nip", other.staff[0]["nip"]))
        # An integrator account of the admin's own pemda
        out = ctl("keys", "issue", "--integrator", "simpeg", "--pemda", org.pemda, "--as", org.sekda["nip"])
        assert out.returncode == 0, out
        # Issuing twice is refused; --if-missing leaves it be
        out = ctl("keys", "issue", "--nip", staff, "--as", org.sekda["nip"])
        assert out.returncode == 1 and "already has a key" in out.stderr, out
        assert ctl("keys", "issue", "--nip", staff, "--if-missing", "--as", org.sekda["nip"]).returncode == 0
        # A key its holder made on their own machine: the issuer admits the public half and
        # never holds the secret
        holder = org.supervisors[0]["nip"]
        own = os.path.join(system.tmp, "laptop", "me.key")
        made = json.loads(ctl("--json", "keys", "new", own).stdout)
        assert os.stat(own).st_mode & 0o077 == 0 and len(made["public_key"]) == 40, made
        out = ctl("keys", "issue", "--nip", holder, "--public", made["public_key"], "--as", org.sekda["nip"])
        assert out.returncode == 0, out
        assert not os.path.exists(key_path(system.keys, "nip", holder))
        with Client(system.frontend, identity=own) as me:
            assert ok(me.call("EMPLOYEE.GET", {"nip": holder}))["employee"]["nip"] == holder
        assert ctl("keys", "issue", "--nip", holder, "--public", "x" * 40,
                   "--as", org.sekda["nip"]).returncode == 1
        # keys list names every principal the broker admits
        listed = ctl("keys", "list").stdout
        for principal in ("service:requests", "service:metrics", "operator", "gateway",
                          "kemendagri:%s" % KEMENDAGRI, "employee:%s" % staff,
                          "integrator:%s:simpeg" % org.pemda):
            assert re.search(r"^%s +\S{40}$" % re.escape(principal), listed, re.M), (principal, listed)
        # No secret key is in the trusted folder, and every secret is the owner's only
        for name in os.listdir(os.path.join(system.keys, "trusted")):
            assert "secret-key" not in open(os.path.join(system.keys, "trusted", name)).read(), name
        for sub in ("people", "services", "kemendagri", "integrators"):
            for name in os.listdir(os.path.join(system.keys, sub)):
                assert os.stat(os.path.join(system.keys, sub, name)).st_mode & 0o077 == 0, (sub, name)
        system.assert_alive()
