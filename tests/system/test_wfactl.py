"""wfactl end to end: every command with and without --json, exit codes, CSV import."""

import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import (Org, System, binary, future_weekend, make_nip, ok, spare_port,
                     today_wib, wait_until, workdays, write_csv, wfactl_env, KEMENDAGRI)


class Ctl:
    def __init__(self, system):
        self.system = system

    def run(self, *args, env=None, endpoint=True):
        argv = [binary("wfactl")]
        if endpoint:
            argv += ["--endpoint", self.system.frontend]
        full_env = wfactl_env(self.system, args)
        full_env.pop("WFA_ENDPOINT")
        full_env.update(env or {})
        p = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=60,
                           env=full_env)
        p.output = p.stdout + p.stderr
        return p

    def ok(self, *args, **kw):
        p = self.run(*args, **kw)
        assert p.returncode == 0, "wfactl %s exited %d:\n%s" % (" ".join(args), p.returncode, p.output)
        return p

    def fails(self, code, *args, **kw):
        p = self.run(*args, **kw)
        assert p.returncode != 0, "wfactl %s should fail, exited 0:\n%s" % (" ".join(args), p.output)
        assert code in p.output, "wfactl %s: %s not printed:\n%s" % (" ".join(args), code, p.output)
        return p

    def json(self, *args, expect_ok=True):
        p = self.run("--json", *args)
        try:
            data = json.loads(p.stdout)
        except ValueError:
            raise AssertionError("wfactl --json %s printed no JSON:\n%s" % (" ".join(args), p.output))
        assert isinstance(data, dict), data
        if expect_ok:
            assert p.returncode == 0 and data.get("status") == "ok", \
                "wfactl --json %s: exit %d, %r" % (" ".join(args), p.returncode, data)
        else:
            assert p.returncode != 0 and data.get("status") == "error", \
                "wfactl --json %s should fail: exit %d, %r" % (" ".join(args), p.returncode, data)
        return data


def submit_args(nip, dates, key=None, kind="rumah", plans=("Menyusun laporan",)):
    args = ["submit", "--as", nip, "--kind", kind, "--dates", ",".join(dates),
            "--location", "Rumah, Jl. Mawar 3", "--reason", "Menyelesaikan laporan triwulan"]
    for p in plans:
        args += ["--plan", p]
    if key:
        args += ["--key", key]
    return args


REQ_RE = re.compile(r"REQ-35\.08-\d+")


def test_wfactl_import_csv():
    with System() as system:
        ctl = Ctl(system)
        client = system.client()
        org = Org(supervisors=1, staff=2)
        # Real names have commas and quotes; the CSV quotes them.
        org.staff[0]["name"] = 'Dr. Budi "Bud" Santoso, M.Si.'
        good = os.path.join(system.tmp, "pegawai.csv")
        write_csv(good, org.rows)
        p = ctl.ok("import", "employees", good)
        assert str(len(org.rows)) in p.output, p.output
        got = ok(client.call("EMPLOYEE.GET", {"nip": org.staff[0]["nip"]}))["employee"]
        assert got["name"] == org.staff[0]["name"] and got["roles"] == org.staff[0]["roles"], got
        assert got["supervisor_nip"] == org.staff[0]["supervisor_nip"], got
        sekda = ok(client.call("EMPLOYEE.GET", {"nip": org.sekda["nip"]}))["employee"]
        assert sekda["roles"] == ["pegawai", "atasan", "admin_pemda"] and sekda["supervisor_nip"] == "", sekda
        data = ctl.json("import", "employees", good)
        assert data["imported"] == len(org.rows) and data["updated"] == len(org.rows), data

        # A file with bad rows: each reported by line number and reason, nothing loaded.
        fresh = [dict(r, nip=make_nip(500 + n)) for n, r in enumerate(org.rows[:6])]
        fresh[2]["nip"] = "12345"            # line 4: header is line 1
        fresh[4]["pemda"] = "JATIM"          # line 6
        bad = os.path.join(system.tmp, "bad.csv")
        write_csv(bad, fresh)
        p = ctl.fails("BAD_NIP", "import", "employees", bad)
        assert re.search(r"\b4\b", p.output) and "BAD_PEMDA" in p.output and re.search(r"\b6\b", p.output), p.output
        data = ctl.json("import", "employees", bad, expect_ok=False)
        lines = {(e.get("line"), e.get("code")) for e in data.get("errors", [])}
        assert {(4, "BAD_NIP"), (6, "BAD_PEMDA")} <= lines, data
        for row in (fresh[0], fresh[5]):
            got = client.call("EMPLOYEE.GET", {"nip": row["nip"]})
            assert got["status"] == "error" and got["code"] == "NOT_FOUND", got   # on record nowhere

        # A short row lacking a required column, a wrong header, a missing file.
        with open(bad, "w") as f:
            f.write("nip,name,pemda,opd,position,supervisor_nip,roles\n")
            f.write("%s,Nama,35.08,DINKES,Analis,,pegawai\n" % make_nip(600))
            f.write("%s,Nama,35.08\n" % make_nip(601))
        p = ctl.run("import", "employees", bad)
        assert p.returncode != 0 and re.search(r"\b3\b", p.output) and "opd" in p.output, p.output
        assert client.call("EMPLOYEE.GET", {"nip": make_nip(600)})["code"] == "NOT_FOUND"
        with open(bad, "w") as f:
            f.write("nip;name;pemda\n%s;Nama;35.08\n" % make_nip(602))
        assert ctl.run("import", "employees", bad).returncode != 0
        assert ctl.run("import", "employees", os.path.join(system.tmp, "nope.csv")).returncode != 0
        system.assert_alive()



def test_wfactl_csv_quoted_fields_and_line_numbers():
    """The one CSV reader: a quoted name with a comma, a doubled quote and an address over two
    lines import as written (with CRLF line ends), and a bad row after the two-line field is
    named by the physical line it starts on, in text and in --json."""
    with System() as system:
        ctl = Ctl(system)
        client = system.client()
        org = Org(supervisors=1, staff=2)
        path = os.path.join(system.tmp, "pegawai.csv")
        write_csv(path, org.rows)
        ctl.ok("import", "employees", path)
        staff, other = org.staff[0], org.staff[1]
        header = "nip,name,pemda,opd,position,supervisor_nip,roles,home\r\n"

        def row(person, name, position, home):
            return "%s,%s,%s,%s,%s,%s,%s,%s\r\n" % (person["nip"], name, person["pemda"], person["opd"],
                                                 position, person["supervisor_nip"],
                                                 ";".join(person["roles"]), home)
        quoted = os.path.join(system.tmp, "quoted.csv")
        with open(quoted, "w", newline="") as f:
            f.write("\ufeff" + header)
            f.write(row(staff, '"Siti Aminah, S.Kom"', '"Analis ""Data"""', '"Jl. Mawar 3\r\nRT 02/RW 05"'))
            f.write(row(other, "Budi", "Analis", ""))
        ctl.ok("import", "employees", quoted)
        got = ok(client.call("EMPLOYEE.GET", {"nip": staff["nip"]}))["employee"]
        assert got["name"] == "Siti Aminah, S.Kom" and got["position"] == 'Analis "Data"', got
        assert got["opd"] == staff["opd"] and got["roles"] == staff["roles"], got
        assert got.get("home") == "Jl. Mawar 3\r\nRT 02/RW 05", got

        # Line 1 the header, lines 2-3 the row with the two-line address, line 4 a bad NIP
        bad = os.path.join(system.tmp, "quoted-bad.csv")
        with open(bad, "w", newline="") as f:
            f.write(header)
            f.write(row(staff, '"Siti Aminah, S.Kom"', "Analis", '"Jl. Mawar 3\nRT 02/RW 05"'))
            f.write(row(dict(other, nip="12345"), '"Budi, S.E."', "Analis", ""))
        p = ctl.fails("BAD_NIP", "import", "employees", bad)
        assert re.search(r"^line 4: BAD_NIP", p.stderr, re.M), p.output
        data = ctl.json("import", "employees", bad, expect_ok=False)
        assert [(e["line"], e["code"]) for e in data["errors"]] == [(4, "BAD_NIP")], data
        system.assert_alive()



ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GLOBAL = re.compile(r"[ \t]+(?:--json|--(?:lang|as|identity|endpoint)[ \t]+\S+)")


def help_commands(text):
    """The command words of `wfactl help`: each command's line starts with two spaces and its
    lowercase words, then its synopsis (options, NAMES, [optional]) or nothing."""
    return [m.group(1) for m in re.finditer(r"^  ([a-z]+(?: [a-z]+)*)(?= |$)", text, re.M)]


def code_of(path):
    """The code a Markdown file shows: its fenced blocks' lines and its inline `spans`."""
    text = open(path).read()
    parts = re.split(r"^\s*```[^\n]*$", text, flags=re.M)
    code = [part for n, part in enumerate(parts) if n % 2 == 1]
    for n, prose in enumerate(parts):
        if n % 2 == 0:
            code += re.findall(r"`([^`\n]+)`", prose)
    return code


def test_wfactl_help_is_the_readme_and_every_documented_command_exists():
    """wfactl's commands are one table: `wfactl help` prints it, README.md shows that text as
    it is, every `wfactl ...` shown in README.md and docs/operations.md names a command of it,
    and a usage error prints the same help on stderr."""
    out = subprocess.run([binary("wfactl"), "help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == "", out
    commands = help_commands(out.stdout)
    assert len(commands) == len(set(commands)) and len(commands) > 30, commands
    for expected in ("submit", "decide", "keys issue", "import employees", "ekinerja push",
                     "calendar set", "metrics rebuild", "audit verify", "help"):
        assert expected in commands, (expected, commands)
    # README.md's wfactl section is the help, to the letter
    readme = open(os.path.join(ROOT, "README.md")).read()
    section = readme.split("\n## wfactl\n", 1)[1]
    block = re.search(r"^```\n(.*?)^```", section, re.M | re.S).group(1)
    assert block == out.stdout, "README.md's wfactl block differs from `wfactl help`:\n" + out.stdout
    # Every command the docs show exists
    shown = set()
    for name in ("README.md", os.path.join("docs", "operations.md")):
        for code in code_of(os.path.join(ROOT, name)):
            for m in re.finditer(r"(?:^|[\s/])wfactl((?:%s)*)[ \t]+([a-z][a-z-]*)(?:[ \t]+([a-z]+)\b)?"
                                 % GLOBAL.pattern, code):
                first, second = m.group(2), m.group(3)
                word = "%s %s" % (first, second) if "%s %s" % (first, second) in commands else first
                assert word in commands, "%s shows wfactl %s, which `wfactl help` does not know" % (name, word)
                shown.add(word)
    assert {"submit", "decide", "keys issue", "audit verify", "metrics rebuild", "status"} <= shown, shown
    # A usage error: exit 2 and the same help on stderr
    for argv in ([], ["frobnicate"], ["list", "extra"], ["--nope", "status"], ["keys"]):
        bad = subprocess.run([binary("wfactl")] + argv, capture_output=True, text=True, timeout=30)
        assert bad.returncode == 2 and out.stdout in bad.stderr and bad.stdout == "", (argv, bad)
    assert subprocess.run([binary("wfactl"), "--help"], capture_output=True, text=True,
                          timeout=30).stdout == out.stdout



def test_wfactl_json_is_valid_utf8():
    """--json output is JSON that a strict reader takes, even when text it carries is not UTF-8:
    a key file named with a byte that is not UTF-8 comes back with U+FFFD in its place."""
    folder = tempfile.mkdtemp(prefix="wfactl-json-")
    try:
        name = os.path.join(folder.encode(), b"kunci-\xff.key")
        out = subprocess.run([binary("wfactl").encode(), b"--json", b"keys", b"new", name],
                             capture_output=True, timeout=30)
        assert out.returncode == 0 and os.path.exists(name), out
        data = json.loads(out.stdout.decode("utf-8", errors="strict"))
        assert data["status"] == "ok" and data["secret_key"].endswith("/kunci-\ufffd.key"), data
        assert re.fullmatch(r"[!-~]{40}", data["public_key"]), data
    finally:
        shutil.rmtree(folder)


def test_wfactl_commands():
    with System() as system:
        ctl = Ctl(system)
        org = Org(supervisors=1, staff=2)
        path = os.path.join(system.tmp, "pegawai.csv")
        write_csv(path, org.rows)
        ctl.ok("import", "employees", path)
        alice, bob = org.staff[0], org.staff[2]      # DINKES, DISDIK
        boss_a, boss_b = alice["supervisor_nip"], bob["supervisor_nip"]

        # submit: human and --json; the same --key gives the same request.
        p = ctl.ok(*submit_args(alice["nip"], workdays(2), key="ctl-1", plans=("A", "B")))
        ids = REQ_RE.findall(p.output)
        assert ids, p.output
        id1 = ids[0]
        p = ctl.ok(*submit_args(alice["nip"], workdays(2), key="ctl-1", plans=("A", "B")))
        assert REQ_RE.findall(p.output)[0] == id1, p.output
        data = ctl.json(*submit_args(bob["nip"], workdays(1, skip=2), key="ctl-2", kind="lokasi_lain"))
        id2 = data["request_id"]
        assert data["state"] == "pending" and data["approver"] and REQ_RE.fullmatch(id2), data
        data = ctl.json(*submit_args(bob["nip"], workdays(1, skip=4), kind="kantor_lain"))
        id3 = data["request_id"]
        assert id3 not in (id1, id2)

        # submit failures: exit non-zero, code printed, every problem listed.
        bad = ["submit", "--as", alice["nip"], "--kind", "kapal", "--dates", future_weekend(),
               "--location", "x", "--reason", "y"]
        p = ctl.fails("BAD_KIND", *bad)
        assert "NOT_WORKING_DAY" in p.output, p.output
        data = ctl.json(*bad, expect_ok=False)
        assert {e["code"] for e in data["errors"]} >= {"BAD_KIND", "NOT_WORKING_DAY"}, data
        english = ctl.run("--lang", "en", *bad)
        assert english.returncode != 0 and "BAD_KIND" in english.output
        assert english.output != p.output, (english.output, p.output)
        ctl.fails("UNKNOWN_EMPLOYEE", *submit_args(org.unknown_nip(), workdays(1)))
        ctl.fails("NO_APPROVER", *submit_args(org.sekda["nip"], workdays(1)))

        # show: human and --json.
        def pending_state():
            return ctl.json("show", id1)["request"]["state"] == "pending"
        wait_until("%s pending" % id1, pending_state, 15, 0.1)
        p = ctl.ok("show", id1)
        assert id1 in p.output and "pending" in p.output and alice["nip"] in p.output, p.output
        req = ctl.json("show", id1)["request"]
        assert req["plan"] == ["A", "B"] and req["dates"] == workdays(2) and req["approver"] == boss_a, req
        ctl.fails("NOT_FOUND", "show", "REQ-35.08-999999")
        assert ctl.json("show", "REQ-35.08-999999", expect_ok=False)["code"] == "NOT_FOUND"

        # decide: approve (human) at each step of the chain, each with what it records,
        # reject (--json), twice, by the wrong person.
        ctl.fails("NOT_YOUR_DECISION", "decide", id1, "--as", boss_b, "--approve")
        ctl.fails("ASSESSMENT_MISSING", "decide", id1, "--as", boss_a, "--approve", "--tasks-fit")
        p = ctl.ok("decide", id1, "--as", boss_a, "--approve", "--note", "Target jelas", "--tasks-fit",
                   "--targets-measurable")
        assert "is now pending" in p.output, p.output
        kepala = org.kepala["DINKES"]["nip"]
        ctl.fails("ASSESSMENT_MISSING", "decide", id1, "--as", kepala, "--approve")
        ctl.ok("decide", id1, "--as", kepala, "--approve", "--service-continues", "--capacity-ok")
        p = ctl.ok("decide", id1, "--as", org.bkd["nip"], "--approve", "--note", "Silakan")
        assert "approved (nomor persetujuan 000001/WFA/35.08/" in p.output, p.output
        ctl.fails("NOT_PENDING", "decide", id1, "--as", boss_a, "--reject")
        wait_until("%s pending" % id2, lambda: ctl.json("show", id2)["request"]["state"] == "pending", 15, 0.1)
        data = ctl.json("decide", id2, "--as", boss_b, "--reject", "--note", "Ada rapat")
        assert (data["request_id"], data["state"]) == (id2, "rejected"), data
        data = ctl.json("decide", id2, "--as", boss_b, "--approve", expect_ok=False)
        assert data["code"] == "NOT_PENDING", data
        assert ctl.run("decide", id3, "--as", boss_b).returncode != 0     # neither --approve nor --reject

        # list: human and --json, with filters.
        p = ctl.ok("list", "--pemda", "35.08")
        assert all(i in p.output for i in (id1, id2, id3)), p.output
        data = ctl.json("list", "--pemda", "35.08")
        assert [r["request_id"] for r in data["requests"]] == [id3, id2, id1] and data["count"] == 3, data
        assert [r["request_id"] for r in ctl.json("list", "--pemda", "35.08", "--opd", "DINKES")["requests"]] == [id1]
        assert [r["request_id"] for r in ctl.json("list", "--pemda", "35.08", "--nip", bob["nip"])["requests"]] == [id3, id2]
        assert [r["request_id"] for r in ctl.json("list", "--pemda", "35.08", "--state", "rejected")["requests"]] == [id2]
        p = ctl.ok("list", "--pemda", "35.08", "--state", "approved")
        assert id1 in p.output and id2 not in p.output and id3 not in p.output, p.output
        ctl.fails("BAD_PEMDA", "list", "--pemda", "JATIM")

        # inbox: human (both languages) and --json.
        def decided():
            entries = ctl.json("inbox", "--as", alice["nip"])["entries"]
            return [e for e in entries if e["request_id"] == id1 and e["type"] == "request.approved"]
        entry = wait_until("decision in %s's inbox" % alice["nip"], decided, 15, 0.1)[0]
        p = ctl.ok("inbox", "--as", alice["nip"])
        assert id1 in p.output and entry["message_id"] in p.output, p.output
        p = ctl.ok("--lang", "en", "inbox", "--as", alice["nip"])
        assert entry["message_en"] in p.output, p.output
        data = ctl.json("inbox", "--as", boss_a)
        assert [e["request_id"] for e in data["entries"] if e["type"] == "approval.pending"] == [id1], data
        ctl.fails("UNKNOWN_EMPLOYEE", "inbox", "--as", org.unknown_nip())

        # prefs: which notices are emailed; a critical one cannot be muted
        assert ctl.json("prefs", "--as", alice["nip"])["email"]["approval.pending"] == "on"
        p = ctl.ok("prefs", "set", "approval.pending=off", "report.reminder=off", "--as", alice["nip"])
        assert "approval.pending  email off" in p.output and "request.approved  email on" in p.output, p.output
        ctl.fails("CRITICAL_NOTICE", "prefs", "set", "request.approved=off", "--as", alice["nip"])

        # metrics: human and --json, per OPD, with dates.
        def counted():
            m = ctl.json("metrics", "--pemda", "35.08")
            return (m["submitted"], m["approved"], m["rejected"], m["pending"]) == (3, 1, 1, 1) and m
        m = wait_until("metrics", counted, 15, 0.1)
        assert m["lead_time"]["count"] == 2, m
        p = ctl.ok("metrics", "--pemda", "35.08")
        for word in ("submitted", "approved", "rejected", "pending"):
            assert re.search(r"%s\D+%d\b" % (word, m[word]), p.output), (word, p.output)
        d = ctl.json("metrics", "--pemda", "35.08", "--opd", "DISDIK")
        assert (d["submitted"], d["approved"], d["rejected"], d["pending"]) == (2, 0, 1, 1), d
        today = today_wib().isoformat()
        d = ctl.json("metrics", "--pemda", "35.08", "--from", today, "--to", today)
        assert d["submitted"] == 3, d
        future = workdays(1, skip=20)[0]
        d = ctl.json("metrics", "--pemda", "35.08", "--from", future, "--to", future)
        assert (d["submitted"], d["approved"], d["rejected"], d["pending"]) == (0, 0, 0, 0), d
        ctl.fails("BAD_DATE", "metrics", "--pemda", "35.08", "--from", "2026-02-30")

        # status: the services, and with a pemda the requests waiting with NO_APPROVER
        p = ctl.ok("status", "--pemda", "35.08", "--as", org.bkd["nip"])
        assert "requests: 1 instance" in p.output, p.output
        assert "pemda Kabupaten Lumajang (35.08): 0 request(s) waiting with NO_APPROVER" in p.output, p.output
        ctl.fails("FORBIDDEN", "status", "--pemda", "35.08", "--as", alice["nip"])

        # WFA_ENDPOINT instead of --endpoint; a dead endpoint times out with an error code.
        p = ctl.ok("show", id1, endpoint=False, env={"WFA_ENDPOINT": system.frontend})
        assert id1 in p.output
        dead = "tcp://127.0.0.1:%d" % spare_port()
        p = ctl.run("--endpoint", dead, "show", id1, endpoint=False,
                    env={"WFA_TIMEOUT_MS": "300", "WFA_RETRIES": "1"})
        assert p.returncode != 0 and "TIMEOUT" in p.output, p.output
        assert ctl.run("frobnicate").returncode != 0
        assert ctl.run().returncode != 0
        system.assert_alive()
