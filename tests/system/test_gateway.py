"""wfa-gateway over real HTTP against real services: the routes of docs/openapi.yaml,
credentials, the one error shape and its statuses, idempotency keys, limits, rate limits,
request ids, languages, health and readiness."""

import concurrent.futures
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import yaml

from harness import (BIN, ROOT, Org, STEP_FIELDS, System, employee, http_call, import_rows,
                     make_nip, spare_port, staffed, wait_until, workdays)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def error_shape(body, code, field=None):
    """Assert body is the one error shape with this code (and field); returns it."""
    assert isinstance(body, dict), body
    assert body.get("code") == code, body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert set(body) <= {"code", "message", "field", "errors"}, body
    if field is not None:
        assert body.get("field") == field, body
    return body


def submit(system, token, nip, key, dates=None, **extra):
    body = {"kind": "rumah", "dates": dates or workdays(1), "location": "Rumah, Lumajang",
            "reason": "Menyelesaikan laporan", "plan": ["Menyusun laporan"]}
    body.update(extra)
    return system.http("POST", "/v1/requests", body, token, {"Idempotency-Key": key})


def raw_request(system, request_line, token, length):
    """Send only the headers of a request whose Content-Length is length (and no
    Authorization when token is None); the response (status, headers, JSON body) the
    gateway gives without waiting for the body."""
    with socket.create_connection(("127.0.0.1", system.http_port), timeout=10) as sock:
        credential = "Authorization: Bearer %s\r\n" % token if token is not None else ""
        sock.sendall(("%s HTTP/1.1\r\nHost: gateway\r\n%s"
                      "Idempotency-Key: k-raw\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n" % (request_line, credential, length)).encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < \
                int(re.search(rb"(?i)content-length: (\d+)", data).group(1)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def test_health_ready_openapi_request_ids_and_metrics():
    with System(verbose=False, gateway=True) as system:
        status, headers, body = system.http("GET", "/v1/health")
        assert status == 200 and body == {"alive": True}, (status, body)
        generated = headers["x-request-id"]
        assert REQUEST_ID.match(generated), headers
        # Each response its own id; a valid one the client sends comes back as it is
        assert system.http("GET", "/v1/health")[1]["x-request-id"] != generated
        status, headers, _ = system.http("GET", "/v1/health", headers={"X-Request-Id": "abc.1_X-2"})
        assert headers["x-request-id"] == "abc.1_X-2", headers
        # An id shaped like the gateway's own is the gateway's alone: replaced
        for bad in ("has space", "x" * 65, "semi;colon", "gw-0badc0de-1"):
            got = system.http("GET", "/v1/health", headers={"X-Request-Id": bad})[1]["x-request-id"]
            assert got != bad and REQUEST_ID.match(got), (bad, got)

        status, _, body = system.http("GET", "/v1/ready")
        assert status == 200 and body["ready"] is True, body
        assert all(body["services"][name] == 1 for name in
                   ("requests", "approvals", "notifications", "metrics", "monev")), body

        # The file the routes were generated from, byte for byte
        status, headers, text = system.http("GET", "/v1/openapi.yaml")
        with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
            assert status == 200 and text == f.read()
        assert headers["content-type"].startswith("application/yaml"), headers

        # The log line of each request: method, path, status, ms, request id, subject
        assert re.search(r"http GET /v1/health 200 [0-9.]+ms id=abc\.1_X-2 subject=- ",
                         system.log_text("gateway")), system.log_tail("gateway")
        with urllib.request.urlopen("http://%s/metrics" % system.metrics_addr("gateway")) as r:
            metrics = r.read().decode()
        with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
            health = yaml.safe_load(f)["paths"]["/v1/health"]["get"]["operationId"]
        counted = re.search(r'wfa_gateway_requests_total\{[^}]*route="%s",status="200"[^}]*\} (\d+)'
                            % health, metrics)
        assert counted and int(counted.group(1)) >= 6, metrics     # and the harness's own
        assert "wfa_gateway_request_seconds_bucket" in metrics

        # A service gone: not ready, and the answer says which
        system.kill9("monev")
        def not_ready():
            got = system.http("GET", "/v1/ready")
            return got if got[0] == 503 else None
        status, _, body = wait_until("ready to answer 503", not_ready, 15)
        error_shape(body, "SERVICE_UNAVAILABLE")
        missing = [e for e in body["errors"] if e["code"] == "SERVICE_UNAVAILABLE"]
        assert [e["field"] for e in missing] == ["monev"], body
        assert system.http("GET", "/v1/health")[0] == 200
        # No broker: not ready, said within about a second (of the last answer, kept 1 s)
        time.sleep(1.1)
        system.kill9("broker")
        started = time.monotonic()
        status, _, body = system.http("GET", "/v1/ready")
        assert status == 503 and time.monotonic() - started < 3, (status, body)
        assert [(e["code"], e["field"]) for e in body["errors"]] == [("TIMEOUT", "broker")], body


def test_credentials_routes_and_methods():
    with System(verbose=False, gateway=True) as system:
        _, org = staffed(system)
        for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "},
                        {"Authorization": "Bearer not-a-token"}):
            status, got, body = system.http("GET", "/v1/inbox", headers=headers)
            assert status == 401, (headers, status, body)
            assert got["www-authenticate"].startswith("Bearer"), got
            error_shape(body, "UNAUTHENTICATED", "Authorization")
        # A credential says who acts: the person's own inbox and record
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        status, _, body = system.http("GET", "/v1/inbox", token=token)
        assert status == 200 and body["entries"] == [] and "status" not in body, body
        status, _, body = system.http("GET", "/v1/employees/" + nip, token=token)
        assert status == 200 and body["employee"]["nip"] == nip, body
        assert set(body) == {"employee"}, body
        # Someone outside the person's reach, and nobody: the documented codes
        status, _, body = system.http("GET", "/v1/employees/" + org.staff[1]["nip"], token=token)
        assert status == 404, (status, body)
        error_shape(body, "NOT_FOUND", "nip")
        # A reach of none is 403, and names the credential that lacks it, not a native field
        status, _, body = system.http("GET", "/v1/pemda/35.08/metrics", token=token)
        assert status == 403, (status, body)
        error_shape(body, "FORBIDDEN", "Authorization")
        assert all(e.get("field") != "as" for e in body.get("errors", [])), body
        # No such route, a wrong method
        status, _, body = system.http("GET", "/v1/nothing/here", token=token)
        assert status == 404, (status, body)
        error_shape(body, "NOT_FOUND")
        status, headers, body = system.http("DELETE", "/v1/requests", token=token)
        assert status == 405 and set(headers["allow"].split(", ")) == {"GET", "POST"}, headers
        error_shape(body, body["code"])
        status, headers, _ = system.http("PUT", "/v1/health")
        assert status == 405 and headers["allow"] == "GET", headers


def test_happy_path_import_submit_decide_get_over_http():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System(verbose=False, gateway=True) as system:
        staffed(system, org)        # the pemda's first import is the operator's
        admin = system.person_token(org.sekda["nip"])
        # The admin pemda imports again over HTTP: an update
        rows = [r for r in org.rows if r["nip"] != org.sekda["nip"]]
        status, _, body = system.http("POST", "/v1/employees/import", {"rows": rows}, admin,
                                      {"Idempotency-Key": "imp-1"})
        assert status == 200 and body["imported"] == len(rows) and body["updated"] == len(rows), body

        nip = org.staff[0]["nip"]
        employee = system.person_token(nip)
        status, _, body = submit(system, employee, nip, "sub-1")
        assert status == 200 and body["state"] == "pending" and body["step"] == 1, body
        rid = body["request_id"]

        while True:
            status, _, got = system.http("GET", "/v1/requests/" + rid, token=employee)
            assert status == 200, got
            request = got["request"]
            if request["state"] != "pending" or not request.get("approver"):
                assert request["state"] == "approved", request
                break
            approver = system.person_token(request["approver"].split(",")[0])
            decision = {"decision": "approve", "note": "Setuju"}
            decision.update(STEP_FIELDS[request["step_role"]])
            status, _, body = system.http("POST", "/v1/requests/%s/decision" % rid, decision,
                                          approver, {"Idempotency-Key": "dec-%d" % request["step"]})
            assert status == 200 and body["request_id"] == rid, body
        assert re.match(r"^\d{6}/WFA/35\.08/\d{4}$", request["approval_number"]), request
        assert [h["action"] for h in request["history"]][-1] == "approve", request

        # Lists with query parameters (converted by type), and the inbox
        status, _, body = system.http("GET", "/v1/requests?nip=%s&limit=5" % nip, token=employee)
        assert status == 200 and [r["request_id"] for r in body["requests"]] == [rid], body
        def noticed():
            got = system.http("GET", "/v1/inbox", token=employee)[2]
            return got if any(e.get("request_id") == rid for e in got.get("entries", [])) else None
        wait_until("the decision in the employee's inbox", noticed, 15)

        # A rule's refusal: 422, every problem in errors, in the language asked for
        status, _, body = system.http("POST", "/v1/requests",
                                      {"kind": "rumah", "dates": workdays(1), "location": "Rumah",
                                       "reason": "Lagi"}, employee,
                                      {"Idempotency-Key": "sub-overlap", "Accept-Language": "en"})
        assert status == 422, (status, body)
        error_shape(body, body["code"])
        assert "OVERLAP" in {body["code"]} | {e["code"] for e in body.get("errors", [])}, body
        assert "another active request" in json.dumps(body), body
        system.assert_alive()


def test_bad_input_is_refused_before_any_call():
    with System(verbose=False, gateway=True) as system:
        _, org = staffed(system)
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        key = {"Idempotency-Key": "k-bad"}
        post = lambda data, headers=key: system.http("POST", "/v1/requests", token=token,
                                                     headers=headers, data=data)
        # Malformed JSON, not an object, no body, duplicate keys
        for data in (b"{bad", b"[1, 2]", b"", b'{"kind": "rumah", "kind": "sif"}', b"\xff\xfe"):
            status, _, body = post(data)
            assert status == 400, (data, status, body)
            error_shape(body, "BAD_JSON")
        # The envelope is the gateway's to fill
        for field in ("as", "key", "id", "v", "lang"):
            status, _, body = system.http("POST", "/v1/requests", {"kind": "rumah", field: "x"},
                                          token, key)
            assert status == 400, (field, status, body)
            error_shape(body, "BAD_FIELD", field)
        # No Idempotency-Key on a POST
        status, _, body = system.http("POST", "/v1/requests", {"kind": "rumah"}, token)
        assert status == 400, body
        error_shape(body, "MISSING_FIELD", "Idempotency-Key")
        # Wrong types: a null, a query parameter that is no integer, the service's own check
        status, _, body = system.http("POST", "/v1/requests", {"kind": None}, token, key)
        assert status == 400, body
        error_shape(body, "WRONG_TYPE", "kind")
        status, _, body = system.http("GET", "/v1/requests?limit=ten", token=token)
        assert status == 400, body
        error_shape(body, "WRONG_TYPE", "limit")
        status, _, body = system.http("GET", "/v1/requests?colour=red", token=token)
        assert status == 400, body
        error_shape(body, "BAD_FIELD", "colour")
        status, _, body = system.http("POST", "/v1/requests",
                                      {"kind": "rumah", "dates": "2030-01-01", "location": "R",
                                       "reason": "R"}, token, key)
        assert status == 400, body
        assert body["code"] == "WRONG_TYPE" or "WRONG_TYPE" in {e["code"] for e in body["errors"]}, body
        # Over the native limits: nesting, a string, a list, and the whole body
        status, _, body = system.http("POST", "/v1/requests", {"plan": [[[["deep"]]]]}, token, key)
        assert status == 400, body
        error_shape(body, "BAD_JSON", "plan")
        status, _, body = system.http("POST", "/v1/requests", {"reason": "x" * 5000}, token, key)
        assert status == 413, body
        error_shape(body, "TOO_LARGE", "reason")
        status, _, body = system.http("POST", "/v1/requests", {"plan": ["p"] * 1025}, token, key)
        assert status == 413, body
        error_shape(body, "TOO_LARGE", "plan")
        # A Content-Length over 1 MiB is answered before the body is sent; a chunked body
        # (no length said) is read to its end, but not kept past the limit
        status, headers, body = raw_request(system, "POST /v1/requests", token, 1024 * 1024 + 1)
        assert status == 413 and headers["x-request-id"], (status, body)
        error_shape(body, "TOO_LARGE")
        conn = http.client.HTTPConnection("127.0.0.1", system.http_port, timeout=30)
        chunks = iter([b'{"reason": "'] + [b"x" * 65536] * 17 + [b'"}'])
        conn.request("POST", "/v1/requests", body=chunks, encode_chunked=True,
                     headers={"Authorization": "Bearer " + token, "Idempotency-Key": "k-big",
                              "Content-Type": "application/json"})
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        assert response.status == 413, body
        error_shape(body, "TOO_LARGE")
        # Nothing of it reached the services: no request was stored
        status, _, body = system.http("GET", "/v1/requests?nip=" + nip, token=token)
        assert status == 200 and body["requests"] == [], body
        system.assert_alive()


def test_idempotent_retry_gets_the_first_answer():
    with System(verbose=False, gateway=True) as system:
        _, org = staffed(system)
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        first = submit(system, token, nip, "same-key")
        again = submit(system, token, nip, "same-key")
        assert first[0] == again[0] == 200, (first, again)
        assert again[2]["request_id"] == first[2]["request_id"], (first, again)
        assert again[1]["x-request-id"] != first[1]["x-request-id"]
        # A new key is a new call: the same dates now overlap
        other = submit(system, token, nip, "other-key")
        assert other[0] == 422, other
        status, _, body = system.http("GET", "/v1/requests?nip=" + nip, token=token)
        assert [r["request_id"] for r in body["requests"]] == [first[2]["request_id"]], body


def test_a_call_that_times_out_is_sent_again_with_the_same_key():
    """Lazy Pirate through the gateway: the requests service stalls, each try of the gateway
    times out and goes again with the same bytes; once it wakes, every try is answered once,
    with the same request, and the client sees one answer."""
    with System(verbose=False, gateway=True,
                gateway_env={"WFA_TIMEOUT_MS": "400", "WFA_HTTP_CALL_TRIES": "5"}) as system:
        _, org = staffed(system)
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        requests = system.procs["requests"][0]
        requests.send_signal(signal.SIGSTOP)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(submit, system, token, nip, "stalled")
                time.sleep(1.0)             # two or three tries go out meanwhile
                requests.send_signal(signal.SIGCONT)
                status, _, body = pending.result(30)
        finally:
            requests.send_signal(signal.SIGCONT)
        assert status == 200 and body["state"] == "pending", (status, body)
        status, _, listed = system.http("GET", "/v1/requests?nip=" + nip, token=token)
        assert [r["request_id"] for r in listed["requests"]] == [body["request_id"]], listed
        with urllib.request.urlopen("http://%s/metrics" % system.metrics_addr("requests")) as r:
            metrics = r.read().decode()
        tries = re.search(r'wfa_messages_in_total\{[^}]*command="REQUEST.SUBMIT"[^}]*\} (\d+)', metrics)
        assert tries and int(tries.group(1)) >= 2, metrics


def test_rate_limits_per_credential_and_per_pemda_across_gateways():
    # One request every 5 s at the steady rate, so the bursts below never refill meanwhile
    limits = {"WFA_RATE_TOKEN": "0.2", "WFA_RATE_TOKEN_BURST": "3",
              "WFA_RATE_PEMDA": "0.2", "WFA_RATE_PEMDA_BURST": "6"}
    with System(verbose=False, gateway=True, gateway_env=limits) as system:
        _, org = staffed(system)
        # A second gateway: the limits are kept in Redis, so both count the same requests
        first = system.url
        second_port = spare_port()
        env = {"WFA_HTTP": "127.0.0.1:%d" % second_port, "WFA_ENDPOINT": system.frontend}
        env.update(limits)
        system.start("gateway", None, env)
        second = "http://127.0.0.1:%d" % second_port
        wait_until("the second gateway", lambda: _status(second + "/v1/health") == 200, 15)

        one = system.person_token(org.staff[0]["nip"])
        statuses = [http_call("GET", (first if n % 2 else second) + "/v1/inbox", token=one)
                    for n in range(5)]
        assert [s[0] for s in statuses] == [200, 200, 200, 429, 429], [s[0] for s in statuses]
        status, headers, body = statuses[3]
        error_shape(body, "RATE_LIMITED")
        assert 1 <= int(headers["retry-after"]) <= 5, headers
        # Another credential of the same pemda has its own limit, but shares the pemda's
        two = system.person_token(org.staff[1]["nip"])
        assert [system.http("GET", "/v1/inbox", token=two)[0] for _ in range(3)] == [200] * 3
        three = system.person_token(org.bkd["nip"])
        status, headers, body = system.http("GET", "/v1/inbox", token=three)
        assert status == 429 and int(headers["retry-after"]) >= 1, (status, body)
        # No credential is limited on health and ready
        assert all(system.http("GET", "/v1/health")[0] == 200 for _ in range(10))


def test_many_connections_at_once_and_a_slow_client_blocks_nobody():
    # 68 connections from one address at once: more than the default per-address limit
    with System(verbose=False, gateway=True, gateway_env={"WFA_RATE_TOKEN": "0",
                                                          "WFA_RATE_PEMDA": "0",
                                                          "WFA_HTTP_PER_IP": "128"}) as system:
        _, org = staffed(system)
        tokens = [system.person_token(person["nip"]) for person in org.staff]
        # Clients that send half a request and wait: each holds a connection
        slow = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", system.http_port), timeout=10)
            sock.sendall(b"GET /v1/inbox HTTP/1.1\r\nHost: gateway\r\n")
            slow.append(sock)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=48) as pool:
                got = list(pool.map(lambda n: system.http("GET", "/v1/inbox",
                                                          token=tokens[n % len(tokens)]),
                                    range(300)))
        finally:
            for sock in slow:
                sock.close()
        assert [status for status, _, _ in got] == [200] * 300, \
            sorted(set((status, json.dumps(body)[:200]) for status, _, body in got))
        assert len({headers["x-request-id"] for _, headers, _ in got}) == 300
        system.assert_alive()


def test_what_the_headers_refuse_no_body_is_read_for():
    """A request the headers already refuse is answered at once, its body never read: a
    client without a credential holds no memory. Bodies held at once are bounded, and so
    are one address's connections."""
    limits = {"WFA_HTTP_BODY_BUDGET": str(1024 * 1024), "WFA_HTTP_PER_IP": "6"}
    with System(verbose=False, gateway=True, gateway_env=limits) as system:
        _, org = staffed(system)
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        mib = 1024 * 1024
        status, headers, body = raw_request(system, "POST /v1/requests", None, mib)
        assert status == 401 and headers["www-authenticate"] == "Bearer", (status, headers)
        error_shape(body, "UNAUTHENTICATED", "Authorization")
        status, _, body = raw_request(system, "POST /v1/requests", "not a token", mib)
        assert status == 401, (status, body)
        error_shape(body, "UNAUTHENTICATED", "Authorization")
        status, _, body = raw_request(system, "POST /v1/nowhere", None, mib)
        assert status == 404, (status, body)
        error_shape(body, "NOT_FOUND")
        status, headers, body = raw_request(system, "PUT /v1/requests", None, mib)
        assert status == 405 and "POST" in headers["allow"], (status, headers)
        status, _, body = raw_request(system, "GET /v1/inbox", token, 10)
        assert status == 400, (status, body)
        error_shape(body, "BAD_FIELD", "body")

        # One upload of 1 MiB under way takes the whole budget: another body waits (503)
        held = socket.create_connection(("127.0.0.1", system.http_port), timeout=10)
        held.sendall(("POST /v1/requests HTTP/1.1\r\nHost: gateway\r\n"
                      "Authorization: Bearer %s\r\nIdempotency-Key: k-held\r\n"
                      "Content-Length: %d\r\n\r\n{" % (token, mib)).encode())
        try:
            # Its headers taken (and its 1 MiB counted) before another body comes: the
            # gateway has not answered it
            held.settimeout(0.5)
            try:
                early = held.recv(4096)
            except socket.timeout:
                early = None
            assert early is None, early
            held.settimeout(10)
            def busy():
                got = submit(system, token, nip, "k-busy")
                return got if got[0] == 503 else None
            status, headers, body = wait_until("a body refused for the budget", busy, 10)
            error_shape(body, "SERVICE_UNAVAILABLE")
            assert int(headers["retry-after"]) >= 1, headers
        finally:
            held.close()
        # Given back when that connection ends
        status, _, body = wait_until("the budget given back",
                                     lambda: (lambda got: got if got[0] == 200 else None)(
                                         submit(system, token, nip, "k-after")), 10)
        assert body["state"] == "pending", body

        # Six connections of one address at once; a seventh is closed unanswered
        idle = [socket.create_connection(("127.0.0.1", system.http_port), timeout=10)
                for _ in range(6)]
        try:
            # Each is known accepted once it has been answered (and kept alive): a sleep
            # left the count to how soon the pool's threads took them from the backlog
            for sock in idle:
                sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: gateway\r\n\r\n")
                assert sock.recv(4096).startswith(b"HTTP/1.1 200"), "an idle connection's answer"
            with socket.create_connection(("127.0.0.1", system.http_port), timeout=10) as sock:
                try:
                    sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: gateway\r\n\r\n")
                    answer = sock.recv(4096)
                except (ConnectionResetError, BrokenPipeError):
                    answer = b""
                assert answer == b"", answer
        finally:
            for sock in idle:
                sock.close()
        wait_until("health once the connections are gone",
                   lambda: system.http("GET", "/v1/health")[0] == 200, 10)
        system.assert_alive()


def test_a_stalled_service_holds_a_call_5_s_at_most_and_health_meanwhile_none():
    """The requests service stops answering: a call to it is answered 503 within the
    gateway's deadline (not tries x WFA_TIMEOUT_MS), health answers at once meanwhile, and
    a crowd asking /v1/ready costs one probe a second, not a thread each."""
    with System(verbose=False, gateway=True, gateway_env={"WFA_RATE_TOKEN": "0",
                                                          "WFA_RATE_PEMDA": "0"}) as system:
        _, org = staffed(system)
        nip = org.staff[0]["nip"]
        token = system.person_token(nip)
        requests = system.procs["requests"][0]
        requests.send_signal(signal.SIGSTOP)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                started = time.monotonic()
                pending = pool.submit(system.http, "GET", "/v1/requests?nip=" + nip, None, token)
                time.sleep(0.5)
                for _ in range(5):
                    asked = time.monotonic()
                    assert system.http("GET", "/v1/health")[0] == 200
                    assert time.monotonic() - asked < 0.5
                status, _, body = pending.result(30)
                took = time.monotonic() - started
        finally:
            requests.send_signal(signal.SIGCONT)
        assert status == 503 and body["code"] in ("TIMEOUT", "SERVICE_UNAVAILABLE"), (status, body)
        assert took < 5.8, took            # WFA_TIMEOUT_MS 3000 x WFA_RETRIES 3 was 9 s

        # No broker: each probe waits 1 s for it; 96 readiness requests on 16 threads
        # would take 6 s, probed one at a time they take about one
        system.kill9("broker")
        assert system.http("GET", "/v1/ready")[0] == 503
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            got = list(pool.map(lambda n: system.http("GET", "/v1/ready")[0], range(96)))
        took = time.monotonic() - started
        assert got == [503] * 96 and took < 3.0, (took, sorted(set(got)))
        assert system.http("GET", "/v1/health")[0] == 200


def test_paging_2500_employees_over_http_loses_and_repeats_nothing():
    """EMPLOYEE.LIST through GET /v1/employees: limit and cursor pass through, next_cursor
    comes back; following it from "" to "" yields every one of 2,500 employees once."""
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    extra = [employee(make_nip(100000 + n), "Pegawai %d" % n, org.pemda, "DINKES", "Analis",
                      org.supervisors[0]["nip"]) for n in range(2500 - len(org.rows))]
    with System(verbose=False, gateway=True) as system:
        import_rows(system.client(), org.rows + extra)
        admin = system.person_token(org.sekda["nip"])
        seen, cursor, pages = [], "", 0
        while True:
            query = "/v1/employees?pemda=35.08&limit=300" + (
                "&cursor=" + urllib.parse.quote(cursor, safe="") if cursor else "")
            status, _, body = system.http("GET", query, token=admin)
            assert status == 200, body
            seen += [e["nip"] for e in body["employees"]]
            pages += 1
            cursor = body["next_cursor"]
            assert isinstance(cursor, str), body
            if not cursor:
                break
            assert pages < 50, "the cursor never ends"
        everyone = [r["nip"] for r in org.rows + extra]
        assert len(seen) == len(set(seen)) == 2500, (len(seen), len(set(seen)))
        assert set(seen) == set(everyone)
        assert pages == 9, pages
        # A cursor that is not one the service made: refused, not a silent first page
        status, _, body = system.http("GET", "/v1/employees?pemda=35.08&cursor=garbage",
                                      token=admin)
        assert status == 400, (status, body)


def _status(url):
    try:
        return http_call("GET", url, timeout=2)[0]
    except OSError:
        return None


def test_status_table_is_the_documented_one():
    """docs/protocol.md, "HTTP": the table of statuses is the gateway's, row for row."""
    out = subprocess.run([os.path.join(BIN, "wfa-gateway"), "--statuses"], capture_output=True,
                         text=True, check=True).stdout
    table = dict(line.split() for line in out.splitlines())
    with open(os.path.join(ROOT, "docs", "protocol.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("\n## HTTP"):]
    section = section[:section.index("\n## ", 5)]
    documented = {}
    for status, codes in re.findall(r"^\| (\d{3}) \| ([^|]+) \|", section, re.M):
        for code in re.findall(r"`([A-Z_]+)`", codes):
            documented[code] = status
    assert documented == table, (sorted(set(documented.items()) ^ set(table.items())))


ASAN_BIN = os.path.join(ROOT, "build-asan", "bin")
CHECKER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
                            r"definitely lost|indirectly lost|Invalid (read|write|free)|"
                            r"uninitialised|ERROR SUMMARY: [1-9]")


def exercise(system):
    """Every way through the gateway once: answered calls, refusals at each stage."""
    _, org = staffed(system)
    nip = org.staff[0]["nip"]
    token = system.person_token(nip)
    assert system.http("GET", "/v1/ready")[0] == 200
    assert system.http("GET", "/v1/openapi.yaml")[0] == 200
    assert submit(system, token, nip, "x-1")[0] == 200
    assert system.http("GET", "/v1/requests?nip=%s&limit=3" % nip, token=token)[0] == 200
    assert system.http("GET", "/v1/inbox", token="nope")[0] == 401
    assert system.http("POST", "/v1/requests", token=token, data=b"{x",
                       headers={"Idempotency-Key": "x-2"})[0] == 400
    assert system.http("POST", "/v1/requests", {"plan": [[[["x"]]]]}, token,
                       {"Idempotency-Key": "x-3"})[0] == 400
    assert raw_request(system, "POST /v1/requests", token, 2 * 1024 * 1024)[0] == 413
    assert system.http("PATCH", "/v1/inbox", token=token)[0] == 405
    assert system.http("GET", "/v1/none", token=token)[0] == 404


def stopped_clean(system):
    """Stop the system; the gateway's log holds no checker report and it exited itself."""
    system.stop(timeout=30)
    for index, proc in enumerate(system.procs["gateway"]):
        text = system.log_text("gateway", index)
        found = [line for line in text.splitlines() if CHECKER_REPORT.search(line)]
        assert not found and proc.returncode == 0, (proc.returncode, found[:20] or text[-3000:])


def test_gateway_under_address_and_undefined_sanitizers():
    assert os.path.exists(os.path.join(ASAN_BIN, "wfa-gateway")), "run make asan first"
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99"}
    with System(bin_dir=ASAN_BIN, extra_env=env, verbose=False, gateway=True) as system:
        exercise(system)
        stopped_clean(system)


def test_gateway_under_valgrind():
    wrapper = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
               "--show-leak-kinds=definite,indirect", "--error-exitcode=99"]
    with System(verbose=False, gateway=True) as system:
        # Only the gateway under valgrind: the services have their own test
        system.stop_gateway()
        system.start_gateway(0, wrapper)
        exercise(system)
        stopped_clean(system)
