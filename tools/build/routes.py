#!/usr/bin/env python3
"""routes.py OPENAPI OUT_ROUTES OUT_TEXT - the gateway's route table from docs/openapi.yaml.

Each operation of the file becomes one row of OUT_ROUTES (build/gen/gateway_routes.inc):
its method, path template, operationId, the native command (x-fleksi-command) or the
gateway's own handler (x-fleksi-local: health, ready, openapi), whether a JSON body is
expected (requestBody), the body's fields sent on as msgpack bin (a string property marked
x-fleksi-bin: a file such as a policy, past the 4,096 bytes of a str), the document its
reply becomes (x-fleksi-render: html, csv or xlsx, rendered by shared/wfa_report.c instead
of JSON; an error stays JSON), and each path and query parameter: name, location, type (from
its schema: string, integer or boolean) and whether it is required. Header parameters
(Idempotency-Key, Accept-Language) are the gateway's own business and are left out.
A path segment may be a parameter with a literal extension ("{period}.html"): it matches a
segment that ends with the extension, the parameter's value being the rest.
Path-level parameters apply to every operation under the path; $ref to
#/components/... is followed. OUT_TEXT (build/gen/gateway_openapi.inc) is the file
itself as a C string, which the gateway serves at GET /v1/openapi.yaml.

Fails (exit 1) on an operation that names neither a command nor a local handler, a
parameter type the gateway cannot convert, or a path parameter not in the path.
"""

import re
import sys

import yaml

METHODS = ("get", "post", "put", "patch", "delete")
LOCAL = ("health", "ready", "openapi")
RENDERS = ("html", "csv", "xlsx")       # x-fleksi-render: the document a reply becomes
TYPES = {"string": "GW_TYPE_STRING", "integer": "GW_TYPE_INTEGER", "boolean": "GW_TYPE_BOOLEAN"}
MAX_PARAMS = 16


def fail(message):
    sys.stderr.write("routes.py: %s\n" % message)
    sys.exit(1)


def resolve(doc, node, seen=0):
    """node with a $ref to this document followed (recursively)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or seen > 20:
            fail("unsupported $ref %r" % ref)
        target = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def schema_type(doc, schema, where):
    schema = resolve(doc, schema or {})
    kind = schema.get("type", "string")
    if isinstance(kind, list):          # OpenAPI 3.1: ["integer", "null"]
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind not in TYPES:
        fail("%s: parameter type %r is not string, integer or boolean" % (where, kind))
    return TYPES[kind]


def c_string(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def routes(doc):
    rows = []
    for path, item in (doc.get("paths") or {}).items():
        item = resolve(doc, item)
        shared = [resolve(doc, p) for p in item.get("parameters", [])]
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = "%s %s" % (method.upper(), path)
            command, local = op.get("x-fleksi-command"), op.get("x-fleksi-local")
            if bool(command) == bool(local):
                fail("%s: give exactly one of x-fleksi-command and x-fleksi-local" % where)
            if local and local not in LOCAL:
                fail("%s: x-fleksi-local %r is not one of %s" % (where, local, ", ".join(LOCAL)))
            if command and not re.fullmatch(r"[A-Z][A-Z0-9_]*\.[A-Z0-9_.]+", command):
                fail("%s: x-fleksi-command %r is not a command name" % (where, command))
            render = op.get("x-fleksi-render")
            if render is not None and (render not in RENDERS or not command):
                fail("%s: x-fleksi-render %r is not one of %s on a command" % (where, render, ", ".join(RENDERS)))
            params = {}
            for param in shared + [resolve(doc, p) for p in op.get("parameters", [])]:
                if param.get("in") not in ("path", "query"):
                    continue
                params[(param["name"], param["in"])] = param      # the operation's wins
            out = []
            for (name, place), param in params.items():
                if place == "path" and "{%s}" % name not in path:
                    fail("%s: path parameter %s is not in the path" % (where, name))
                out.append((name, "GW_IN_PATH" if place == "path" else "GW_IN_QUERY",
                            schema_type(doc, param.get("schema"), "%s %s" % (where, name)),
                            bool(param.get("required")) or place == "path"))
            for name in re.findall(r"\{([^}]+)\}", path):
                if (name, "path") not in params:
                    fail("%s: {%s} has no parameter" % (where, name))
            if len(out) > MAX_PARAMS:
                fail("%s: more than %d parameters" % (where, MAX_PARAMS))
            bins = []
            body = resolve(doc, op.get("requestBody") or {})
            schema = resolve(doc, ((body.get("content") or {}).get("application/json") or {})
                             .get("schema") or {})
            for name, prop in (schema.get("properties") or {}).items():
                if resolve(doc, prop).get("x-fleksi-bin"):
                    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                        fail("%s: x-fleksi-bin field %r is not a field name" % (where, name))
                    bins.append(name)
            rows.append({"method": method.upper(), "path": path,
                         "operation": op.get("operationId") or where,
                         "command": command, "local": local,
                         "body": "requestBody" in op, "bins": " ".join(bins), "params": out,
                         "render": render})
    return rows


def main():
    if len(sys.argv) != 4:
        fail("usage: routes.py OPENAPI OUT_ROUTES OUT_TEXT")
    source, out_routes, out_text = sys.argv[1:]
    with open(source, encoding="utf-8") as f:
        text = f.read()
    doc = yaml.safe_load(text)
    rows = routes(doc)
    lines = ["//  Generated by tools/build/routes.py from %s: do not edit" % source]
    for number, row in enumerate(rows):
        lines.append("static const gw_param_t s_params_%d [] = {" % number)
        for name, place, kind, required in row["params"]:
            lines.append("    { %s, %s, %s, %s }," % (c_string(name), place, kind,
                                                     "true" if required else "false"))
        lines.append("    { NULL, GW_IN_PATH, GW_TYPE_STRING, false }")
        lines.append("};")
    lines.append("static const gw_route_t s_routes [] = {")
    for number, row in enumerate(rows):
        lines.append("    { %s, %s, %s, %s, %s, %s, %s, s_params_%d, %s }," % (
            c_string(row["method"]), c_string(row["path"]), c_string(row["operation"]),
            c_string(row["command"]) if row["command"] else "NULL",
            c_string(row["local"]) if row["local"] else "NULL",
            "true" if row["body"] else "false",
            c_string(row["bins"]) if row["bins"] else "NULL", number,
            c_string(row["render"]) if row["render"] else "NULL"))
    lines.append("    { NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL }")
    lines.append("};")
    with open(out_routes, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(out_text, "w") as f:
        f.write("//  Generated by tools/build/routes.py from %s: do not edit\n" % source)
        for line in text.splitlines(True):
            f.write(c_string(line).replace("\n", "\\n") + "\n")
        f.write(";\n")


if __name__ == "__main__":
    main()
