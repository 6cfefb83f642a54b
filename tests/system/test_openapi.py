"""docs/openapi.yaml holds to the running system: no route undocumented, no capability missing.

- The file is a well-formed OpenAPI 3.1 document, checked structurally here (Debian 12 ships
  no OpenAPI validator): unique operationIds, each operation either `x-fleksi-command` or
  `x-fleksi-local`, path templates and path parameters that match, an Idempotency-Key on every
  POST, a credential on all but the gateway's own routes, every `$ref` resolving, every schema
  a valid JSON Schema 2020-12 (python3-jsonschema), the one Error schema behind every error
  status, and `limit`/`cursor` -> `next_cursor` on every list.
- Every command the services serve (their route tables) and every command docs/protocol.md
  describes has an operation, or is in the documented `x-fleksi-not-routed` list with its
  reason; every `x-fleksi-command` is a command some service serves.
- Against a real System with the gateway: every operation is called (with an API token from
  `wfactl token create`, or a person's OIDC token), answers with a status it documents, and
  its body validates against the schema documented for that status (additionalProperties
  false where the spec says so, so a reply field the spec does not name fails); the gateway
  serves this very file; a path the spec does not have is 404 and a method it does not
  document 405.
"""

import datetime
import glob
import itertools
import json
import os
import re
import subprocess
import tempfile

import jsonschema
import requests
import yaml

from harness import (ROOT, STEP_FIELDS, Clock, Org, System, approve_chain, make_nip, ok,
                     submit_body, wait_until, week_days)

SPEC_PATH = os.path.join(ROOT, "docs", "openapi.yaml")
PROTOCOL = os.path.join(ROOT, "docs", "protocol.md")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "422", "429", "500", "503")
LOCALS = ("health", "ready", "openapi")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$")


def load_spec():
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def operations(spec):
    """(path, method, operation) of every operation."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(spec, node):
    """node with a top-level $ref followed (within this document)."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def all_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


def validator(spec, schema):
    """A JSON Schema 2020-12 validator of schema whose #/components refs resolve in spec."""
    resolver = jsonschema.RefResolver("", spec)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def problems_of(spec, schema, value):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
            for e in validator(spec, schema).iter_errors(value)]


# ---------------------------------------------------------------- the file itself

def test_spec_is_a_valid_openapi_document():
    spec = load_spec()
    problems = []
    assert spec.get("openapi") == "3.1.0", spec.get("openapi")
    for field in ("title", "version", "description"):
        assert spec["info"].get(field), "info.%s is missing" % field
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer", schemes
    assert spec["security"] == [{"bearer": []}], spec["security"]
    assert spec["components"]["schemas"]["Error"]["required"] == ["code", "message"]

    # Every $ref resolves, and every schema is a valid JSON Schema 2020-12
    for ref in set(all_refs(spec)):
        if not ref.startswith("#/"):
            problems.append("external $ref %s" % ref)
            continue
        try:
            resolve(spec, {"$ref": ref})
        except (KeyError, TypeError):
            problems.append("$ref %s resolves to nothing" % ref)
    for name, schema in spec["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            problems.append("schema %s: %s" % (name, e.message))

    seen_ids = set()
    for path, method, op in operations(spec):
        where = "%s %s" % (method.upper(), path)
        if not path.startswith("/v1/"):
            problems.append("%s: not under /v1/" % where)
        op_id = op.get("operationId")
        if not op_id or op_id in seen_ids:
            problems.append("%s: operationId %r missing or repeated" % (where, op_id))
        seen_ids.add(op_id)
        command, local = op.get("x-fleksi-command"), op.get("x-fleksi-local")
        if (command is None) == (local is None):
            problems.append("%s: needs exactly one of x-fleksi-command, x-fleksi-local" % where)
        if command is not None and not CODE_RE.match(command):
            problems.append("%s: x-fleksi-command %r is no command" % (where, command))
        if local is not None and local not in LOCALS:
            problems.append("%s: x-fleksi-local %r unknown" % (where, local))
        if method not in ("get", "post"):
            problems.append("%s: reads are GET, writes POST" % where)
        # Security: the gateway's own routes need none, everything else the bearer
        if local is not None and op.get("security") != []:
            problems.append("%s: a local route needs no credential (security: [])" % where)
        if local is None and "security" in op:
            problems.append("%s: overrides the bearer security" % where)

        params = [resolve(spec, p) for p in op.get("parameters", [])]
        keys = [(p["in"], p["name"]) for p in params]
        if len(keys) != len(set(keys)):
            problems.append("%s: a parameter repeated" % where)
        for p in params:
            if p["in"] not in ("path", "query", "header"):
                problems.append("%s: parameter %s in %s" % (where, p["name"], p["in"]))
            schema = p.get("schema", {})
            if p["in"] in ("path", "query") and schema.get("type") not in ("string", "integer",
                                                                          "boolean"):
                problems.append("%s: parameter %s is not string, integer or boolean"
                                % (where, p["name"]))
            if p["in"] == "path" and p.get("required") is not True:
                problems.append("%s: path parameter %s not required" % (where, p["name"]))
            if p["in"] in ("path", "query") and p["name"] in ("v", "id", "key", "as", "lang"):
                problems.append("%s: parameter %s is a common field" % (where, p["name"]))
        templated = set(re.findall(r"\{([^}]+)\}", path))
        declared = {name for where_in, name in keys if where_in == "path"}
        if templated != declared:
            problems.append("%s: path parameters %r vs template %r" % (where, declared, templated))
        headers = {name: p for p, (where_in, name) in zip(params, keys) if where_in == "header"}
        if method == "post":
            idem = headers.get("Idempotency-Key")
            if not idem or idem.get("required") is not True:
                problems.append("%s: POST without a required Idempotency-Key" % where)
            body = op.get("requestBody")
            if not body or "application/json" not in body.get("content", {}):
                problems.append("%s: POST without a JSON body" % where)
            else:
                schema = resolve(spec, body["content"]["application/json"]["schema"])
                if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
                    problems.append("%s: body is not a closed object" % where)
                for common in ("v", "id", "key", "as", "lang"):
                    if common in schema.get("properties", {}):
                        problems.append("%s: body names the common field %s" % (where, common))
                clash = set(schema.get("properties", {})) & {name for _, name in keys}
                if clash:
                    problems.append("%s: body and parameters both name %r" % (where, clash))
        elif "requestBody" in op:
            problems.append("%s: a GET with a body" % where)
        if "Accept-Language" not in headers:
            problems.append("%s: no Accept-Language" % where)

        responses = op.get("responses", {})
        if "200" not in responses:
            problems.append("%s: no 200 response" % where)
        for status, response in responses.items():
            response = resolve(spec, response)
            if not response.get("description"):
                problems.append("%s %s: no description" % (where, status))
            if "X-Request-Id" not in response.get("headers", {}):
                problems.append("%s %s: no X-Request-Id header" % (where, status))
            if status in ERROR_STATUSES:
                schema = response["content"]["application/json"]["schema"]
                if schema != {"$ref": "#/components/schemas/Error"}:
                    problems.append("%s %s: not the Error schema" % (where, status))
            elif status != "200":
                problems.append("%s: undocumented kind of status %s" % (where, status))
        if local is None:
            for status in ("400", "401", "403", "429", "500", "503"):
                if status not in responses:
                    problems.append("%s: no %s response" % (where, status))
            if method == "post" and "409" not in responses:
                problems.append("%s: a POST without 409 (IDEMPOTENCY_MISMATCH)" % where)
        if "429" in responses and "Retry-After" not in resolve(spec, responses["429"])["headers"]:
            problems.append("%s: 429 without Retry-After" % where)

        # Lists: limit and cursor in, next_cursor out
        if local is None:
            content = resolve(spec, responses["200"])["content"]
            if op.get("x-fleksi-render"):       # a document, not JSON: one media type, a string
                if len(content) != 1 or "application/json" in content:
                    problems.append("%s: x-fleksi-render with a JSON 200" % where)
                continue
            reply = resolve(spec, content["application/json"]["schema"])
            is_list = "next_cursor" in reply.get("properties", {})
            query = {name for where_in, name in keys if where_in == "query"}
            if is_list and not {"limit", "cursor"} <= query:
                problems.append("%s: a list without limit and cursor" % where)
            if is_list and "next_cursor" not in reply.get("required", []):
                problems.append("%s: next_cursor not required" % where)
            if "cursor" in query and not is_list:
                problems.append("%s: a cursor without next_cursor" % where)
    assert not problems, "docs/openapi.yaml:\n  " + "\n  ".join(problems)


def served_commands():
    """Every command a service's route table serves, and the broker's own."""
    commands = set()
    for path in glob.glob(os.path.join(ROOT, "services", "*", "*.c")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if os.path.basename(os.path.dirname(path)) == "broker":
            commands.update(re.findall(r'"(SYSTEM\.[A-Z_]+)"', text))
        else:
            commands.update(re.findall(r'\{\s*"([A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*)"\s*,', text))
    return commands


def documented_commands():
    """Every command docs/protocol.md gives a section."""
    with open(PROTOCOL, encoding="utf-8") as f:
        return set(re.findall(r"^### `([A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*)`", f.read(), re.M))


def test_every_command_has_a_route_or_a_documented_reason():
    spec = load_spec()
    routed = {op["x-fleksi-command"] for _, _, op in operations(spec) if "x-fleksi-command" in op}
    excluded = {entry["command"]: entry["reason"] for entry in spec["x-fleksi-not-routed"]}
    for command, reason in excluded.items():
        assert "`%s`" % command in spec["info"]["description"], \
            "%s is not routed but the description does not say why" % command
        assert len(reason) > 20, (command, reason)
    served, documented = served_commands(), documented_commands()
    assert len(served) > 30 and "REQUEST.SUBMIT" in served and "SYSTEM.PING" in served, served
    assert not routed & set(excluded), routed & set(excluded)
    assert not (served - routed - set(excluded)), \
        "served but neither routed nor excluded: %r" % sorted(served - routed - set(excluded))
    assert not (documented - routed - set(excluded)), \
        "in docs/protocol.md but neither routed nor excluded: %r" \
        % sorted(documented - routed - set(excluded))
    assert not (routed - served), "routed but served by no service: %r" % sorted(routed - served)
    assert not (set(excluded) - served), "excluded but not served: %r" % sorted(set(excluded) - served)


# ---------------------------------------------------------------- against the running system



class Caller:
    """Calls operations by operationId, the way the spec says (method, path, parameters,
    headers), checking every answer against the spec: a documented status, the body valid
    against that status's schema, an X-Request-Id. Records which operations were called."""

    def __init__(self, spec, base_url):
        self.spec = spec
        self.base = base_url
        self.by_id = {op["operationId"]: (path, method, op) for path, method, op in operations(spec)}
        self.called = {}        # operationId -> statuses seen
        self.keys = itertools.count(1)
        self.codes = {}         # error code -> status, the same everywhere

    def __call__(self, op_id, token=None, expect=200, body=None, lang=None, valid=True, key=None,
                 **params):
        """Call op_id with params (path and query) and body; valid=False for a call that is
        meant to break what the spec documents (its input is then not checked)."""
        path, method, op = self.by_id[op_id]
        declared = {p["name"]: p for p in (resolve(self.spec, p) for p in op["parameters"])}
        url_path, query = path, {}
        for name, value in params.items():
            where = declared[name]["in"]    # a parameter the spec does not declare fails here
            problems = problems_of(self.spec, declared[name]["schema"], value) if valid else []
            assert not problems, "%s: parameter %s=%r: %s" % (op_id, name, value, problems)
            text = json.dumps(value) if isinstance(value, bool) else str(value)
            if where == "path":
                url_path = url_path.replace("{%s}" % name, requests.utils.quote(text, safe=""))
            else:
                query[name] = text
        for name, p in declared.items():
            if p["in"] in ("path", "query") and p.get("required"):
                assert name in params, "%s: required parameter %s not given" % (op_id, name)
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if lang:
            headers["Accept-Language"] = lang
        if method == "post":
            headers["Idempotency-Key"] = key or "openapi-%d" % next(self.keys)
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            problems = problems_of(self.spec, schema, body if body is not None else {}) \
                if valid else []
            assert not problems, "%s: the test's body is not what the spec documents: %s" \
                % (op_id, problems)
        reply = requests.request(method.upper(), self.base + url_path, params=query,
                                 headers=headers, timeout=15,
                                 json=(body if body is not None else {}) if method == "post" else None)
        status = str(reply.status_code)
        self.called.setdefault(op_id, []).append(status)
        where = "%s %s -> %s %s" % (method.upper(), url_path, status, reply.text[:600])
        assert status in op["responses"], "%s: status %s is not documented" % (op_id, where)
        assert reply.headers.get("X-Request-Id"), "%s: no X-Request-Id" % where
        response = resolve(self.spec, op["responses"][status])
        media, = response["content"].keys()
        if media == "application/json":
            assert reply.headers.get("Content-Type", "").startswith("application/json"), where
            data = reply.json()
            problems = problems_of(self.spec, response["content"][media]["schema"], data)
            assert not problems, "%s: the reply is not what the spec documents:\n  %s" \
                % (where, "\n  ".join(problems))
            if status != "200":
                seen = self.codes.setdefault(data["code"], status)
                assert seen == status, "%s: %s was %s elsewhere" % (where, data["code"], seen)
        else:
            assert reply.headers.get("Content-Type", "").startswith(media), where
            data = reply.content if "spreadsheetml" in media else reply.text
        assert status == str(expect), "%s: expected %s" % (where, expect)
        return data


def test_every_route_answers_with_the_documented_shapes():
    spec = load_spec()
    org = Org(supervisors=1, staff=2)
    staff, other = org.staff[0], org.staff[1]
    sup = org.supervisors[0]
    kepala = org.kepala[staff["opd"]]
    admin, bkd = org.sekda, org.bkd
    days = [week_days(j, 1)[0] for j in range(1, 5)]
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-clock-"), "clock"))
    with System(verbose=False, gateway=True, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        native = system.client()
        ok(native.call("EMPLOYEE.IMPORT", {"key": "openapi-org", "rows": org.rows}))
        token = system.integrator_token(org.pemda, "openapi")
        person = {nip: system.person_token(nip, org.pemda, lifetime=90 * 86400)
                  for nip in (staff["nip"], other["nip"], sup["nip"], kepala["nip"],
                              admin["nip"], bkd["nip"])}
        call = Caller(spec, system.url)
        pemda = org.pemda

        # The gateway's own: no credential, and this very file
        call("health")
        call("ready")
        served = call("openapi")
        with open(SPEC_PATH, encoding="utf-8") as f:
            assert served == f.read(), "GET /v1/openapi.yaml is not docs/openapi.yaml"

        # Personnel, by the integrator's token
        newcomer = make_nip(500)
        row = {"nip": newcomer, "name": "Pegawai Baru", "pemda": pemda, "opd": staff["opd"],
               "position": "Analis", "supervisor_nip": sup["nip"], "roles": ["pegawai"],
               "service_start": "2020-01", "position_eligible": "yes"}
        assert call("importEmployees", token, body={"rows": [row]})["created"] == 1
        call("importEmployees", token, 422, body={"rows": [dict(row, nip="1990")]}, valid=False)
        page = call("listEmployees", token, limit=5)
        assert page["count"] == 5 and page["next_cursor"], page
        call("listEmployees", token, limit=5, cursor=page["next_cursor"], include_inactive=True)
        assert call("getEmployee", token, nip=staff["nip"])["employee"]["nip"] == staff["nip"]
        call("getEmployee", token, 404, nip=org.unknown_nip())

        # A request through its life, each step by the person it belongs to
        submitted = call("submitRequest", person[staff["nip"]], body={
            "kind": "rumah", "dates": [days[0]], "location": "Rumah", "reason": "Laporan",
            "plan": ["Menyusun laporan"]})
        rid = submitted["request_id"]
        call("submitRequest", person[staff["nip"]], 422, body={
            "kind": "rumah", "dates": [days[0]], "location": "Rumah", "reason": "Lagi"})
        call("getRequest", token, request_id=rid)
        call("getRequest", token, 404, request_id="REQ-35.08-999999")
        call("listRequests", token, limit=10, opd=staff["opd"])
        changes = call("listRequests", token, changed_since="0", limit=10)
        assert [r["request_id"] for r in changes["requests"]] == [rid], changes
        call("listApprovals", person[sup["nip"]], limit=10)
        call("decideRequest", person[staff["nip"]], 403, request_id=rid,
             body={"decision": "approve"})
        call("decideRequest", person[sup["nip"]], request_id=rid,
             body=dict(STEP_FIELDS["atasan"], decision="approve", note="Setuju"))
        wait_until("the kepala OPD's step", lambda: native.call(
            "REQUEST.GET", {"request_id": rid})["request"].get("approver"), 15)
        many = call("decideMany", person[kepala["nip"]], body={"items": [
            dict(STEP_FIELDS["kepala_opd"], request_id=rid, decision="approve")]})
        assert many["done"] == 1, many
        wait_until("the BKD's step", lambda: native.call(
            "REQUEST.GET", {"request_id": rid})["request"].get("step_role") == "bkd", 15)
        final = call("decideRequest", person[bkd["nip"]], request_id=rid,
                     body={"decision": "approve", "note": "Silakan"})
        assert final["state"] == "approved" and final["approval_number"], final
        call("getSchedule", token, date=days[0], limit=10)
        call("getRequestAudit", token, request_id=rid)
        call("listInbox", person[staff["nip"]], limit=10)
        prefs = call("getNotifyPrefs", person[staff["nip"]])
        assert prefs["email"]["approval.pending"] == "on", prefs
        prefs = call("setNotifyPrefs", person[staff["nip"]], body={"email": {"report.reminder": "off"}})
        assert prefs["email"]["report.reminder"] == "off", prefs
        call("setNotifyPrefs", person[staff["nip"]], 422, body={"email": {"request.rejected": "off"}})
        # The staff member's inbox holds the approval once notifications has read it
        wait_until("the approval in the staff member's inbox", lambda: any(
            e["type"] == "request.approved" for e in native.call("INBOX.LIST", {
                "as": staff["nip"]})["entries"]), 15)
        read = call("readInbox", person[staff["nip"]], body={"all": True})
        assert read["marked"] >= 1 and read["unread_count"] == 0 and read["unknown"] == [], read
        call("listInbox", person[staff["nip"]], limit=10, unread=True)
        third = ok(native.call("REQUEST.SUBMIT", submit_body(staff["nip"], [days[2]], "third")))
        approve_chain(native, third["request_id"])
        call("revokeRequest", person[kepala["nip"]], request_id=third["request_id"],
             body={"reason": "Kebutuhan layanan"})
        call("revokeRequest", person[kepala["nip"]], 409, request_id=third["request_id"],
             body={"reason": "Lagi"})

        second = call("submitRequest", person[staff["nip"]], body={
            "kind": "rumah", "dates": [days[1]], "location": "Rumah", "reason": "Laporan"})["request_id"]
        call("decideRequest", person[sup["nip"]], request_id=second,
             body={"decision": "return", "note": "Lengkapi rencana kerja"})
        call("resubmitRequest", person[staff["nip"]], request_id=second, body={
            "kind": "rumah", "dates": [days[1]], "location": "Rumah", "reason": "Laporan",
            "plan": ["Menyusun laporan"]})
        call("cancelRequest", person[staff["nip"]], request_id=second, body={"reason": "Batal"})
        call("delegateApprover", person[bkd["nip"]], body={
            "approver": sup["nip"], "to": other["nip"], "from": days[2], "until": days[3],
            "order_ref": "800/1/2026", "reason": "Dinas luar"})

        # Monev: today is no flexible day, so check-ins and reports are refused by the rules
        call("checkIn", person[staff["nip"]], 422, body={"lat": -8.13, "lon": 113.22})
        call("submitReport", person[staff["nip"]], 422, body={"activities": [
            {"activity": "Menyusun laporan", "output": "Draf", "quantity": 1, "rhk": "RHK-1"}]})
        call("getReport", person[sup["nip"]], 404, nip=staff["nip"], date=days[0])
        pushed = call("pushEkinerja", token, body={"source": "openapi", "items": [
            {"id": "t1", "type": "target", "nip": staff["nip"], "period": days[0][:7],
             "rhk": "RHK-1", "quantity": 10},
            {"id": "l1", "type": "log", "nip": staff["nip"], "date": days[0], "rhk": "RHK-1",
             "quantity": 2},
            {"id": "r1", "type": "rating", "nip": staff["nip"], "period": days[0][:7],
             "predikat": "baik"}]})
        assert pushed["created"] == 3, pushed
        corrected = call("pushEkinerja", token, body={"source": "openapi", "items": [
            {"id": "l1-fix", "type": "log", "nip": staff["nip"], "date": days[0], "rhk": "RHK-1",
             "quantity": 3, "replaces": "l1", "reason": "salah ketik"}]})
        assert corrected["replaced"] == 1, corrected
        history = call("listEkinerja", token, nip=staff["nip"], limit=10)
        assert [(r["id"], r.get("superseded_by", "")) for r in history["items"]] == \
            [("t1", ""), ("l1", "l1-fix"), ("r1", ""), ("l1-fix", "")], history
        call("getMonev", token, **{"from": days[0], "to": days[0], "opd": staff["opd"], "by": "day"})
        call("getMonev", token, **{"from": days[0], "to": days[0], "nip": staff["nip"]})
        call("getMetrics", token, pemda=pemda, opd=staff["opd"])
        month = days[0][:7]
        report = call("getMonevReport", token, pemda=pemda, period=month)
        assert report["period"] == month and report["verification"]["content_sha256"], report
        call("getMonevReport", token, 400, pemda=pemda, period="2026-13", valid=False)
        assert "<html" in call("getMonevReportHtml", token, pemda=pemda, period=month, opd=staff["opd"])
        assert call("getMonevReportCsv", token, pemda=pemda, period=month).startswith("section,report")
        call("getMonevReportXlsx", token, pemda=pemda, period=month[:4])
        call("rebuildMonev", person[admin["nip"]], pemda=pemda, body={})

        # Settings, audit and access: the admin pemda
        call("getPolicy", token, pemda=pemda)
        call("setPolicy", person[admin["nip"]], pemda=pemda,
             body={"text": "[limits]\nweekly_location_days = 2\n"})
        call("setPolicy", person[admin["nip"]], 422, pemda=pemda,
             body={"text": "[limits]\nweekly_location_days = 9\n"})
        call("getCalendar", token, pemda=pemda)
        call("setCalendar", person[admin["nip"]], pemda=pemda, body={"days": [
            {"date": "2099-01-01", "kind": "nasional", "name": "Tahun Baru"}]})
        call("verifyAudit", person[admin["nip"]], pemda=pemda)
        created = call("createToken", person[admin["nip"]], pemda=pemda,
                       body={"role": "integrator", "name": "second", "expires_days": 30})
        call("listTokens", person[admin["nip"]], pemda=pemda, limit=10)
        call("revokeToken", person[admin["nip"]], pemda=pemda, token_id=created["token_id"],
             body={})
        call("listTokens", token, 403, pemda=pemda)
        # Webhooks: the integrator manages its own, the admin pemda sees every one
        own = call("addWebhook", token, pemda=pemda,
                   body={"url": "https://hooks.test/in", "types": ["request.*"]})
        assert own["secret"].startswith("whsec_"), own
        theirs = call("addWebhook", person[admin["nip"]], pemda=pemda,
                      body={"url": "https://hooks.test/admin"})
        mine = call("listWebhooks", token, pemda=pemda)["webhooks"]
        assert [w["webhook_id"] for w in mine] == [own["webhook_id"]], mine
        assert mine[0]["owner"] == "integrator:%s:openapi" % pemda, mine
        every = call("listWebhooks", person[admin["nip"]], pemda=pemda, limit=10)["webhooks"]
        assert {w["webhook_id"] for w in every} == {own["webhook_id"], theirs["webhook_id"]}
        call("resumeWebhook", token, 404, pemda=pemda, webhook_id=theirs["webhook_id"], body={})
        call("addWebhook", token, 400, pemda=pemda, body={"url": "http://hooks.test/in"})
        call("addWebhook", token, 403, pemda="35.09", body={"url": "https://hooks.test/in"})
        call("resumeWebhook", token, pemda=pemda, webhook_id=own["webhook_id"], body={})
        call("replayWebhook", token, pemda=pemda, webhook_id=own["webhook_id"], body={})
        call("removeWebhook", token, pemda=pemda, webhook_id=own["webhook_id"], body={})
        call("removeWebhook", person[admin["nip"]], pemda=pemda, webhook_id=theirs["webhook_id"],
             body={})
        idp = call("getIdp", person[admin["nip"]], pemda=pemda)
        call("setIdp", person[admin["nip"]], pemda=pemda, body={
            k: idp[k] for k in ("issuer", "audience", "nip_claim", "jwks", "jwks_uri") if idp[k]})

        # Leaving and coming back
        gone = call("deactivateEmployee", token, nip=newcomer, body={"reason": "pensiun"})
        assert gone["active"] is False, gone
        call("deactivateEmployee", token, 409, nip=newcomer, body={"reason": "pensiun"})
        call("reactivateEmployee", token, nip=newcomer, body={})

        # The approved day comes: check in and out, the daily report and its verification
        clock.set(datetime.date.fromisoformat(days[0]), 7, 30)
        checked = call("checkIn", person[staff["nip"]], body={"lat": -8.13, "lon": 113.22})
        assert checked["date"] == days[0] and checked["timing"] == "on_time", checked
        call("checkIn", person[staff["nip"]], 409, body={})
        call("checkOut", person[staff["nip"]], body={"lat": -8.13, "lon": 113.22})
        report = call("submitReport", person[staff["nip"]], body={"activities": [
            {"activity": "Menyusun laporan", "output": "Draf", "quantity": 1, "rhk": "RHK-1",
             "evidence": ["https://drive.example/draf.pdf"]},
            {"activity": "Rapat tim", "output": "Notulen", "quantity": 1, "plan": "Rapat"}]})
        assert report["state"] == "submitted", report
        listed = call("listReports", person[sup["nip"]], limit=10)
        assert [r["date"] for r in listed["reports"]] == [days[0]], listed
        call("getReport", person[sup["nip"]], nip=staff["nip"], date=days[0])
        call("verifyReport", person[sup["nip"]], nip=staff["nip"], date=days[0],
             body={"decision": "accept", "note": "Baik"})
        call("verifyReport", person[sup["nip"]], 409, nip=staff["nip"], date=days[0],
             body={"decision": "accept"})
        call("getReport", person[staff["nip"]], nip=staff["nip"], date=days[0])

        # No credential, a bad one; idempotency; the body's own checks
        call("listRequests", None, 401)
        call("listRequests", "fleksi_35.08_0000000000000000_" + "0" * 64, 401)
        call("getEmployee", token, 400, nip="1234", valid=False)
        call("getEmployee", token, 404, nip=org.unknown_nip(), lang="en")
        first = call("importEmployees", token, body={"rows": [row]}, key="openapi-again")
        assert call("importEmployees", token, body={"rows": [row]}, key="openapi-again") == first
        call("importEmployees", token, 409, body={"rows": [dict(row, name="Lain")]},
             key="openapi-again")

        # What the spec does not have: 404 for a path, 405 for a method
        base = system.url
        for method, path, status in (("GET", "/v1/nothing", 404), ("GET", "/v2/health", 404),
                                     ("GET", "/dashboard", 404), ("DELETE", "/v1/requests", 405),
                                     ("POST", "/v1/health", 405),
                                     ("GET", "/v1/requests/%s/decision" % rid, 405),
                                     ("PUT", "/v1/employees/%s" % staff["nip"], 405)):
            reply = requests.request(method, base + path, headers={
                "Authorization": "Bearer " + token, "Idempotency-Key": "nothing"}, timeout=10)
            assert reply.status_code == status, (method, path, reply.status_code, reply.text)
            problems = problems_of(spec, {"$ref": "#/components/schemas/Error"}, reply.json())
            assert not problems, (method, path, problems)

        missing = sorted(set(call.by_id) - set(call.called))
        assert not missing, "operations never called: %r" % missing
        unanswered = sorted(op_id for op_id, statuses in call.called.items()
                            if "200" not in statuses)
        assert not unanswered, "operations that never answered 200: %r" % unanswered
        system.assert_alive()


def command_fields():
    """The fields each command's route table row names (wfa_route_t.fields), by command."""
    fields = {}
    for path in glob.glob(os.path.join(ROOT, "services", "*", "*.c")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for command, names in re.findall(
                r'\{\s*"([A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*)"\s*,\s*\w+\s*,\s*"([^"]*)"\s*\}', text):
            fields[command] = set(names.split())
    return fields


def test_every_route_takes_exactly_the_fields_of_its_command():
    """What a route sends (path and query parameters, the body's properties, and `key` from
    the Idempotency-Key of a POST) is what its command accepts, no more, no less."""
    spec = load_spec()
    accepted = command_fields()
    unnamed = {c for c in served_commands() if not c.startswith("SYSTEM.")} - set(accepted)
    assert not unnamed, "commands whose route table row names no fields: %r" % sorted(unnamed)
    problems = []
    for path, method, op in operations(spec):
        command = op.get("x-fleksi-command")
        if command is None:
            continue
        sent = {p["name"] for p in (resolve(spec, p) for p in op.get("parameters", []))
                if p["in"] in ("path", "query")}
        if method == "post":
            sent.add("key")
            body = resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
            sent |= set(body.get("properties", {}))
        if command not in accepted:
            problems.append("%s: no fields in its route table" % command)
        elif sent != accepted[command]:
            problems.append("%s %s (%s): the spec sends %s more and %s less" % (
                method.upper(), path, command, sorted(sent - accepted[command]),
                sorted(accepted[command] - sent)))
    assert not problems, "\n  ".join(problems)


def gateway_statuses():
    """code -> HTTP status, as wfa-gateway answers: its table (`wfa-gateway --statuses`)."""
    out = subprocess.run([os.path.join(ROOT, "build", "bin", "wfa-gateway"), "--statuses"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    table = dict(line.split() for line in out.stdout.splitlines() if line.strip())
    assert len(table) > 40, table
    return table


def status_of(table, code):
    """A code's status: the gateway's table, else its rule for codes newer than the table
    (docs/protocol.md, "HTTP"): BAD_* 400, UNKNOWN_* 404, any other 422."""
    if code in table:
        return table[code]
    return "400" if code.startswith("BAD_") else "404" if code.startswith("UNKNOWN_") else "422"


def test_error_codes_have_the_gateways_statuses():
    """Each error response lists its codes (x-fleksi-codes); each is the status the gateway
    gives that code, every code of the gateway's table is listed, and so is every error code
    docs/protocol.md documents (but wfactl's own)."""
    spec = load_spec()
    table = gateway_statuses()
    listed = {}
    for name, response in spec["components"]["responses"].items():
        statuses = {status for _, _, op in operations(spec)
                    for status, r in op["responses"].items()
                    if r == {"$ref": "#/components/responses/" + name}}
        assert len(statuses) == 1, (name, statuses)
        status, = statuses
        for code in response["x-fleksi-codes"]:
            assert code not in listed, "%s listed twice" % code
            listed[code] = status
            assert code in response["description"], (name, code)
    wrong = {code: (status, status_of(table, code)) for code, status in listed.items()
             if status != status_of(table, code)}
    assert not wrong, "code: (spec, gateway) %r" % wrong
    unlisted = {code for code in table if code != "OK"} - set(listed)
    assert not unlisted, "in the gateway's table, not in the spec: %r" % sorted(unlisted)
    with open(PROTOCOL, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## Error codes"):text.index("## Test vectors")]
    documented = {code for code, meaning in re.findall(r"^\| `([A-Z_]+)` \| (.*)$", section, re.M)
                  if not meaning.startswith("(wfactl)")}
    assert not documented - set(listed), \
        "error codes of docs/protocol.md the spec does not list: %r" % sorted(documented - set(listed))


def test_files_go_through_as_bin_up_to_64_kib():
    """A body field marked x-fleksi-bin (a policy file, a JWKS) is a JSON string the gateway
    sends on as msgpack bin, so it may hold more than a str's 4,096 bytes: the shipped example
    policy (deploy/policy.example.ini, some 10 KB) is set through HTTP and read back in force."""
    spec = load_spec()
    marked = {(path, name) for path, method, op in operations(spec) if method == "post"
              for name, prop in resolve(spec, op["requestBody"]["content"]["application/json"]
                                        ["schema"]).get("properties", {}).items()
              if prop.get("x-fleksi-bin")}
    assert marked == {("/v1/pemda/{pemda}/policy", "text"), ("/v1/pemda/{pemda}/idp", "jwks")}, \
        marked
    with open(os.path.join(ROOT, "deploy", "policy.example.ini"), encoding="utf-8") as f:
        policy = f.read()
    assert len(policy.encode()) > 4096, len(policy)
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False, gateway=True) as system:
        ok(system.client().call("EMPLOYEE.IMPORT", {"key": "bin-org", "rows": org.rows}))
        admin = system.person_token(org.sekda["nip"], org.pemda)
        call = Caller(spec, system.url)
        version = call("setPolicy", admin, pemda=org.pemda, body={"text": policy})["version"]
        got = call("getPolicy", admin, pemda=org.pemda)
        assert got["version"] == version >= 1, got
        # A JWKS of several keys, past 4 KiB, as an identity provider with key rotation has
        idp = call("getIdp", admin, pemda=org.pemda)
        keys = json.loads(idp["jwks"])["keys"]
        big = {"keys": keys + [dict(keys[0], kid="old-%d" % n) for n in range(12)]}
        assert len(json.dumps(big)) > 4096
        call("setIdp", admin, pemda=org.pemda, body={
            "issuer": idp["issuer"], "audience": idp["audience"], "nip_claim": idp["nip_claim"],
            "jwks": json.dumps(big)})
        assert len(call("getIdp", admin, pemda=org.pemda)["jwks"]) > 4096
        # And the person signs in still, with the key of the first kid
        call("getPolicy", system.person_token(org.staff[0]["nip"], org.pemda), pemda=org.pemda)
