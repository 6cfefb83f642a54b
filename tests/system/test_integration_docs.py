"""docs/integration.md, as written: its curl and Python examples run in order against a real
System with the gateway and print what the document shows.

An example is a fenced ```sh or ```python block after `<!-- example: NAME -->`; what it
prints is the ```text block after `<!-- output: NAME -->`, line for line, where `…` stands for
any text (ids, times). Shell examples run in bash (-e, pipefail); the Python examples run one
after the other in one namespace, as the document says (a reader's one session). The
environment they read is set here as the document's table says: FLEKSI_URL, FLEKSI_TOKEN (the
token the first example, `wfactl token create` in the operator's shell, prints), DAY, and for
the native example FLEKSI_ENDPOINT, FLEKSI_KEY (an integrator key from `wfactl keys issue`)
and FLEKSI_BROKER_CERT.

Two things an integrator does not do themselves are set up here, before the examples that
need them: the people an admin pemda grants roles to (a kepala OPD and a BKD officer, so the
chain can run) and an approved request of the day DAY (the employee submits, the chain
approves), which the schedule and sync examples then find."""

import contextlib
import io
import json
import os
import re
import subprocess

from harness import (ROOT, STEP_FIELDS, System, employee, key_path, ok, submit_body, wait_until,
                     week_days)

DOC = os.path.join(ROOT, "docs", "integration.md")
PEMDA = "35.08"
SITI, AHMAD = "199002022015022002", "197001012000011001"
KEPALA, BKD = "197505052001051001", "198503032010031003"


def examples():
    """[(name, lang, code, expected lines)] in document order."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"<!-- (example|output): ([\w-]+) -->\n```(\w+)\n(.*?)^```$", text,
                        re.M | re.S)
    out, outputs = [], {}
    for kind, name, lang, body in blocks:
        if kind == "example":
            assert lang in ("sh", "python"), (name, lang)
            assert name not in [e[0] for e in out], "example %s twice" % name
            out.append([name, lang, body, None])
        else:
            assert lang == "text" and name not in outputs, (name, lang)
            outputs[name] = body.splitlines()
    for entry in out:
        assert entry[0] in outputs, "example %s has no output block" % entry[0]
        entry[3] = outputs.pop(entry[0])
    assert not outputs, "output blocks of no example: %r" % sorted(outputs)
    return out


def matches(expected, got):
    """Whether the printed lines are the expected ones, `…` standing for any text."""
    if len(expected) != len(got):
        return False
    for want, line in zip(expected, got):
        pattern = "^" + ".*".join(re.escape(part) for part in want.split("…")) + "$"
        if not re.match(pattern, line.rstrip()):
            return False
    return True


def run_sh(code, env):
    out = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], capture_output=True,
                         text=True, timeout=30, env=env)
    assert out.returncode == 0, "exit %d: %s %s" % (out.returncode, out.stdout, out.stderr)
    return out.stdout


def run_python(code, namespace):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, DOC, "exec"), namespace)
    return printed.getvalue()


def staff_the_chain(system):
    """What the admin pemda does: a kepala OPD of DINKES and a BKD officer, so that a
    request of Siti Aminah's goes through the whole chain."""
    client = system.client()
    rows = [employee(KEPALA, "Kepala Dinas Kesehatan", PEMDA, "DINKES", "Kepala Dinas", "",
                     ["pegawai", "atasan", "kepala_opd"]),
            employee(BKD, "Rina Wulandari", PEMDA, "BKD", "Analis SDM Aparatur", "",
                     ["pegawai", "bkd"])]
    ok(client.call("EMPLOYEE.IMPORT", {"key": "docs-staff", "rows": rows}))
    return client


def approved_request(client, day):
    """Siti Aminah works at home on day, approved at every step: its request id."""
    body = submit_body(SITI, [day], "docs-submit", location="Rumah, Jl. Mawar 3, Lumajang")
    rid = ok(client.call("REQUEST.SUBMIT", body))["request_id"]
    while True:
        request = wait_until("%s awaits its step" % rid, lambda: (
            lambda r: r if r["state"] != "pending" or r.get("approver") else None)(
                ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]), 15)
        if request["state"] == "approved":
            return rid
        assert request["state"] == "pending", request
        decide = {"key": "docs-decide-%d" % request["step"], "as": request["approver"].split(",")[0],
                  "request_id": rid, "decision": "approve", "note": "Setuju"}
        decide.update(STEP_FIELDS[request["step_role"]])
        ok(client.call("APPROVAL.DECIDE", decide))


def test_integration_examples_run_as_written():
    found = examples()
    names = [name for name, _, _, _ in found]
    assert names[0] == "token", names
    assert {"health", "import-curl", "python-client", "ekinerja", "schedule", "sync",
            "idempotency", "native"} <= set(names), names
    assert any(lang == "sh" for _, lang, _, _ in found) and \
        any(lang == "python" for _, lang, _, _ in found)
    day = week_days(1)[0]
    with System(verbose=False, gateway=True) as system:
        system.issue_key("integrator", "simpeg", pemda=PEMDA)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WFA_", "FLEKSI_"))}
        # The operator's shell, for the token example: wfactl with the operator's key
        operator = dict(env, PATH=os.path.join(ROOT, "build", "bin") + os.pathsep + env["PATH"],
                        WFA_ENDPOINT=system.frontend, WFA_KEYS=system.keys)
        env.update({"FLEKSI_URL": system.url, "DAY": day,
                    "FLEKSI_ENDPOINT": system.frontend,
                    "FLEKSI_KEY": key_path(system.keys, "integrator", "simpeg", PEMDA),
                    "FLEKSI_BROKER_CERT": os.path.join(system.keys, "broker.cert")})
        namespace = {"__name__": "integration_examples"}
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            for name, lang, code, expected in found:
                if name == "schedule":
                    approved_request(staff_the_chain(system), day)
                try:
                    if name == "token":
                        printed = run_sh(code, operator)
                    else:
                        printed = run_sh(code, env) if lang == "sh" else run_python(code, namespace)
                except Exception as e:
                    raise AssertionError("example %s failed: %r" % (name, e)) from e
                lines = printed.rstrip("\n").splitlines()
                assert matches(expected, lines), \
                    "example %s printed:\n%s\nthe document shows:\n%s" \
                    % (name, "\n".join(lines), "\n".join(expected))
                if name == "token":         # the integrator's credential from here on
                    env["FLEKSI_TOKEN"] = os.environ["FLEKSI_TOKEN"] = lines[0]
        finally:
            os.environ.clear()
            os.environ.update(saved)
