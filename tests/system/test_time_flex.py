"""Time flexibility (sif, dinamis): a schedule for every day asked for, judged so that each
week still reaches the pemda's weekly hours (37.5 h, or the Ramadan hours within Ramadan);
time kinds do not count against the weekly cap of location days; kinds follow the policy."""

import datetime
import json
import os
import subprocess

from harness import ROOT, System, Org, import_rows, ok, weekly_monday, wfactl_env


def week_of(j):
    monday = datetime.date.fromisoformat(weekly_monday(j))
    return [(monday + datetime.timedelta(days=n)).isoformat() for n in range(5)]


def submit(client, nip, key, kind, schedule):
    return client.call("REQUEST.SUBMIT", {
        "key": key, "as": nip, "kind": kind, "dates": [d for d, _, _ in schedule],
        "location": "Kantor", "reason": "Sif", "lang": "en",
        "schedule": [{"date": d, "start": s, "end": e} for d, s, e in schedule]})


def test_schedules_and_weekly_hours():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    ramadan = week_of(4)
    policy = ("[kinds]\ntime = sif, dinamis\n[limits]\nramadan = %s..%s\nramadan_weekly_hours = 32.5\n"
              % (ramadan[0], ramadan[4]))
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
        nip, other = org.staff[0]["nip"], org.staff[1]["nip"]
        w1, w2, w3 = week_of(1), week_of(2), week_of(3)
        # Three long shift days in one week: hours kept, and no location cap applies
        reply = submit(client, nip, "s1", "sif", [(w1[0], "07:00", "16:30"), (w1[1], "07:00", "16:30"),
                                                  (w1[2], "07:00", "16:30")])
        assert reply["status"] == "ok", reply
        # A short dynamic day: 2 h + 4 x 7.5 h = 32 h < 37.5 h
        reply = submit(client, nip, "d1", "dinamis", [(w2[0], "09:00", "12:00")])
        assert reply["code"] == "HOURS_SHORT" and "32.0 < 37.5" in reply["message"], reply
        # Within Ramadan the week needs 32.5 h (ordinary days 6.5 h): 7 h + 26 h passes there,
        # while the same day outside Ramadan gives 7 h + 30 h = 37 h < 37.5 h
        reply = submit(client, nip, "r1", "dinamis", [(ramadan[1], "08:00", "16:00")])
        assert reply["status"] == "ok", reply
        reply = submit(client, other, "r2", "dinamis", [(w2[1], "08:00", "16:00")])
        assert reply["code"] == "HOURS_SHORT" and "37.0 < 37.5" in reply["message"], reply
        reply = submit(client, other, "r3", "dinamis", [(ramadan[2], "09:00", "15:00")])
        assert reply["code"] == "HOURS_SHORT" and "31.0 < 32.5" in reply["message"], reply
        # Every day needs its schedule; times must make sense
        reply = client.call("REQUEST.SUBMIT", {"key": "m1", "as": other, "kind": "sif", "dates": [w3[0], w3[1]],
                                               "location": "Kantor", "reason": "x",
                                               "schedule": [{"date": w3[0], "start": "07:00", "end": "15:30"}]})
        assert reply["code"] == "MISSING_FIELD" and reply["errors"][0]["field"] == "schedule", reply
        reply = submit(client, other, "m2", "sif", [(w3[0], "16:00", "08:00")])
        assert reply["code"] == "BAD_VALUE", reply
        request = ok(client.call("REQUEST.LIST", {"pemda": org.pemda, "nip": nip}))["requests"]
        shift = [r for r in request if r["kind"] == "sif"][0]
        assert shift["schedule"].startswith(w1[0] + "=07:00-16:30"), shift


def test_time_kinds_follow_the_policy():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[kinds]\ntime = sif\n"}))
        day = week_of(1)[0]
        reply = submit(client, org.staff[0]["nip"], "k1", "dinamis", [(day, "07:00", "16:00")])
        assert reply["code"] == "KIND_NOT_ALLOWED", reply
        reply = submit(client, org.staff[0]["nip"], "k2", "sif", [(day, "07:00", "16:00")])
        assert reply["status"] == "ok", reply


def test_wfactl_submits_a_shift_schedule():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        import_rows(system.client(), org.rows)
        days = week_of(2)[:2]
        env = wfactl_env(system)
        args = [os.path.join(ROOT, "build", "bin", "wfactl"), "--json", "submit", "--as", org.staff[0]["nip"],
                "--kind", "sif", "--dates", ",".join(days), "--location", "Kantor", "--reason", "Sif pagi"]
        for day in days:
            args += ["--schedule", "%s=06:00-14:30" % day]
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout)["state"] == "submitted"
