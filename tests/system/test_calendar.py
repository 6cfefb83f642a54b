"""A pemda's calendar of days off: `wfactl calendar set` refuses a bad file with line-precise
errors and keeps the calendar in force; a good one replaces it; a request for a holiday is
refused with the holiday named; the change is in the audit trail."""

import datetime
import json
import os
import subprocess
import tempfile

from harness import ROOT, System, Org, import_rows, ok, weekly_monday, workdays, wfactl_env

WFACTL = os.path.join(ROOT, "build", "bin", "wfactl")


def wfactl(system, *args):
    env = wfactl_env(system, args)
    return subprocess.run([WFACTL] + list(args), capture_output=True, text=True, env=env, timeout=30)


def calendar_file(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    f.write(text)
    f.close()
    return f.name


def test_calendar_set_show_and_refuse_holidays():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    holiday, cuti, normal = workdays(3)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        # Ramadan (a range, working days at the Ramadan hours) goes in the same file; a day may
        # be both a Ramadan day and a day off
        monday = datetime.date.fromisoformat(weekly_monday(3))
        fasting = [(monday + datetime.timedelta(days=n)).isoformat() for n in (0, 6)]
        good = calendar_file("# days off\n%s,nasional,Hari Libur Uji\n%s,cuti_bersama,Cuti Bersama Uji\n"
                             "%s..%s,ramadan,Ramadan Uji\n%s,cuti_bersama,Cuti Bersama Ramadan\n"
                             % (holiday, cuti, fasting[0], fasting[1], fasting[0]))
        bad = calendar_file("%s,nasional,Satu\n2026-02-30,nasional,Salah\n%s,libur,Jenis\n" % (normal, normal))
        try:
            result = wfactl(system, "calendar", "set", "--pemda", org.pemda, good, "--as", org.sekda["nip"])
            assert result.returncode == 0 and "3 days off, 7 Ramadan days" in result.stdout, result
            result = wfactl(system, "--json", "calendar", "set", "--pemda", org.pemda, bad)
            assert result.returncode != 0
            lines = {(e["line"], e["field"]) for e in json.loads(result.stdout)["errors"]}
            assert lines == {(2, "date"), (3, "kind")}, result.stdout
        finally:
            os.unlink(good)
            os.unlink(bad)
        # The good calendar is still in force
        shown = json.loads(wfactl(system, "--json", "calendar", "show", "--pemda", org.pemda).stdout)
        assert [(d["date"], d["kind"]) for d in shown["days"]] == \
            [(holiday, "nasional"), (cuti, "cuti_bersama"), (fasting[0], "cuti_bersama"),
             ("%s..%s" % tuple(fasting), "ramadan")], shown
        # A Ramadan range longer than 31 days, or a Ramadan day twice, is refused
        reply = client.call("CALENDAR.SET", {"key": "long", "pemda": org.pemda, "as": org.sekda["nip"],
                                             "days": [{"date": "%s..%s" % (holiday, (monday + datetime.timedelta(
                                                 days=60)).isoformat()), "kind": "ramadan", "name": "x"}]})
        assert reply["code"] == "BAD_VALUE" and reply["errors"][0]["code"] == "BAD_DATE", reply

        nip = org.staff[0]["nip"]
        reply = client.call("REQUEST.SUBMIT", {"key": "h1", "as": nip, "kind": "rumah",
                                               "dates": [holiday, normal, cuti], "location": "Rumah",
                                               "reason": "Uji", "lang": "en"})
        assert reply["code"] == "NOT_WORKING_DAY", reply
        messages = [e["message"] for e in reply["errors"]]
        assert any(holiday in m and "Hari Libur Uji" in m for m in messages), messages
        assert any(cuti in m and "cuti_bersama" in m for m in messages), messages
        assert len(reply["errors"]) == 2, reply
        ok(client.call("REQUEST.SUBMIT", {"key": "h2", "as": nip, "kind": "rumah", "dates": [normal],
                                          "location": "Rumah", "reason": "Uji"}))
        verify = json.loads(wfactl(system, "--json", "audit", "verify", "--pemda", org.pemda).stdout)
        # calendar_set and submit, and open_step once approvals has opened the step
    assert verify["valid"] and verify["checked"] in (2, 3), verify
