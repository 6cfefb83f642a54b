"""Pemda codes are real: the 552 pemda of the Kemendagri list ship with Fleksi, a code that is
well formed but names no pemda is refused (UNKNOWN_PEMDA) wherever a pemda is named, a
malformed one stays BAD_PEMDA, and human output shows the pemda's name beside its code."""

import csv
import os
import subprocess

from harness import ROOT, Org, System, binary, error_codes, import_rows, ok, wfactl_env, workdays

LIST = os.path.join(ROOT, "shared", "data", "pemda.csv")


def test_shipped_list_is_the_kemendagri_list():
    rows = list(csv.DictReader(open(LIST, encoding="utf-8")))
    levels = [row["level"] for row in rows]
    assert len(rows) == 552 and levels.count("provinsi") == 38, len(rows)
    assert levels.count("kabupaten") + levels.count("kota") == 514
    codes = [row["code"] for row in rows]
    assert len(set(codes)) == 552
    # Each kabupaten/kota lies in a province of the list, in the province's time zone
    zone = {row["code"]: row["timezone"] for row in rows if row["level"] == "provinsi"}
    for row in rows:
        if row["level"] != "provinsi":
            assert zone[row["code"][:2]] == row["timezone"], row
    # The source is named beside the data
    readme = open(os.path.join(ROOT, "shared", "data", "README.md")).read()
    assert "Kepmendagri" in readme and "pemda.csv" in readme


def test_unknown_pemda_refused_everywhere_and_names_shown():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        # An import row for 35.99 (Jawa Timur has no 99th kabupaten) and one malformed
        ghost = dict(org.staff[0], nip=org.unknown_nip(), pemda="35.99")
        bad = dict(org.staff[0], nip=org.unknown_nip()[:-1] + "7", pemda="JATIM")
        reply = client.call("EMPLOYEE.IMPORT", {"key": "ghost", "rows": [ghost, bad], "lang": "en"})
        assert reply["status"] == "error", reply
        found = {(e["index"], e["code"]) for e in reply["errors"]}
        assert {(0, "UNKNOWN_PEMDA"), (1, "BAD_PEMDA")} <= found, reply
        message = [e for e in reply["errors"] if e["code"] == "UNKNOWN_PEMDA"][0]["message"]
        assert "Kemendagri" in message, message
        # Policy, calendar, lists and figures of a code that is no pemda
        admin = org.sekda["nip"]
        for cmd, body in (("POLICY.SET", {"key": "p", "as": admin, "text": "[limits]\n"}),
                          ("CALENDAR.SET", {"key": "c", "as": admin, "days": []}),
                          ("POLICY.GET", {"as": admin}),
                          ("REQUEST.LIST", {"as": admin}),
                          ("METRICS.GET", {"as": admin}),
                          ("MONEV.REBUILD", {"as": admin})):
            for code, want in (("35.99", "UNKNOWN_PEMDA"), ("99", "UNKNOWN_PEMDA"), ("3508", "BAD_PEMDA")):
                reply = client.call(cmd, dict(body, pemda=code))
                assert reply["status"] == "error" and want in error_codes(reply), (cmd, code, reply)
        # Indonesian by default
        reply = client.call("POLICY.GET", {"as": admin, "pemda": "35.99"})
        assert "Kemendagri" in reply["message"] and "tidak ada" in reply["message"], reply
        # The real code passes
        ok(client.call("POLICY.SET", {"key": "p", "as": admin, "pemda": org.pemda, "text": "[limits]\n"}))

        # Human output names the pemda; --json keeps the code alone
        staff = org.staff[0]["nip"]
        env = wfactl_env(system, people=[staff, admin])
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": staff, "kind": "rumah",
                                                "dates": workdays(1), "location": "Rumah",
                                                "reason": "Uji nama pemda"}))["request_id"]

        def wfactl(*args):
            out = subprocess.run([binary("wfactl")] + list(args), capture_output=True, text=True,
                                 env=env, timeout=30)
            assert out.returncode == 0, (args, out.stdout, out.stderr)
            return out.stdout
        assert "Kabupaten Lumajang (35.08)" in wfactl("show", rid, "--as", staff)
        assert "policy of Kabupaten Lumajang (35.08)" in wfactl("policy", "show", "--pemda", org.pemda)
        assert "Kabupaten Lumajang (35.08)" in wfactl("metrics", "--pemda", org.pemda, "--as", admin)
        assert '"pemda":"35.08"' in wfactl("--json", "show", rid, "--as", staff).replace(" ", "")
        # wfactl checks a file before sending it: the unknown code is named with its line
        path = os.path.join(system.tmp, "ghost.csv")
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(ghost))
            writer.writeheader()
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in ghost.items()})
        out = subprocess.run([binary("wfactl"), "import", "employees", path], capture_output=True,
                             text=True, env=env, timeout=30)
        assert out.returncode != 0 and "UNKNOWN_PEMDA" in out.stdout + out.stderr, out
