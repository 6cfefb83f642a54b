"""Time flexibility (sif, dinamis): a schedule for every day asked for, judged so that each
week still reaches the pemda's weekly hours (37.5 h, or 32.5 h on the Ramadan days of the pemda
calendar), breaks subtracted (60 min, 90 on Friday; in Ramadan 30, 60 on Friday); shifts on any
day the unit works, across midnight; location and time together in one request, each part held
to its own rule; check-ins in Ramadan judged against the Ramadan start; kinds follow the policy."""

import datetime
import json
import os
import subprocess

from harness import ROOT, System, Org, employee, import_rows, make_nip, ok, weekly_monday, wfactl_env


def week_of(j):
    monday = datetime.date.fromisoformat(weekly_monday(j))
    return [(monday + datetime.timedelta(days=n)).isoformat() for n in range(5)]


def submit(client, nip, key, kind, schedule):
    return client.call("REQUEST.SUBMIT", {
        "key": key, "as": nip, "kind": kind, "dates": [d for d, _, _ in schedule],
        "location": "Kantor", "reason": "Sif", "lang": "en",
        "schedule": [{"date": d, "start": s, "end": e} for d, s, e in schedule]})


def set_ramadan(client, org, first, last):
    """The pemda calendar's Ramadan: one range."""
    return ok(client.call("CALENDAR.SET", {"key": "ramadan-" + first, "pemda": org.pemda,
                                           "as": org.sekda["nip"],
                                           "days": [{"date": "%s..%s" % (first, last), "kind": "ramadan",
                                                     "name": "Ramadan uji"}]}))


def test_schedules_and_weekly_hours():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    ramadan = week_of(4)
    policy = "[kinds]\ntime = sif, dinamis\n[limits]\nramadan_weekly_hours = 32.5\n"
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
        assert set_ramadan(client, org, ramadan[0], ramadan[4])["ramadan_days"] == 5
        nip, other = org.staff[0]["nip"], org.staff[1]["nip"]
        w1, w2, w3 = week_of(1), week_of(2), week_of(3)
        # Three long shift days in one week: hours kept, and no location cap applies
        reply = submit(client, nip, "s1", "sif", [(w1[0], "07:00", "16:30"), (w1[1], "07:00", "16:30"),
                                                  (w1[2], "07:00", "16:30")])
        assert reply["status"] == "ok", reply
        # A short dynamic day: 2 h + 4 x 7.5 h = 32 h < 37.5 h
        reply = submit(client, nip, "d1", "dinamis", [(w2[0], "09:00", "12:00")])
        assert reply["code"] == "HOURS_SHORT" and "32.0 < 37.5" in reply["message"], reply
        # Within Ramadan the week needs 32.5 h (ordinary days 6.5 h, breaks 30 min): 7.5 h + 26 h
        # passes there, while the same day outside Ramadan gives 7 h + 30 h = 37 h < 37.5 h
        reply = submit(client, nip, "r1", "dinamis", [(ramadan[1], "08:00", "16:00")])
        assert reply["status"] == "ok", reply
        reply = submit(client, other, "r2", "dinamis", [(w2[1], "08:00", "16:00")])
        assert reply["code"] == "HOURS_SHORT" and "37.0 < 37.5" in reply["message"], reply
        reply = submit(client, other, "r3", "dinamis", [(ramadan[2], "09:00", "14:30")])
        assert reply["code"] == "HOURS_SHORT" and "31.0 < 32.5" in reply["message"], reply
        # Every day needs its schedule; times must make sense
        reply = client.call("REQUEST.SUBMIT", {"key": "m1", "as": other, "kind": "sif", "dates": [w3[0], w3[1]],
                                               "location": "Kantor", "reason": "x",
                                               "schedule": [{"date": w3[0], "start": "07:00", "end": "15:30"}]})
        assert reply["code"] == "MISSING_FIELD" and reply["errors"][0]["field"] == "schedule", reply
        reply = submit(client, other, "m2", "sif", [(w3[0], "08:00", "08:00")])
        assert reply["code"] == "BAD_VALUE", reply
        reply = submit(client, other, "m3", "sif", [(w3[0], "8:00", "16:00")])
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
        env = wfactl_env(system, people=[org.staff[0]["nip"]])
        args = [os.path.join(ROOT, "build", "bin", "wfactl"), "--json", "submit", "--as", org.staff[0]["nip"],
                "--kind", "sif", "--dates", ",".join(days), "--location", "Kantor", "--reason", "Sif pagi"]
        for day in days:
            args += ["--schedule", "%s=06:00-14:30" % day]
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout)["state"] == "pending"
        # Location and time together: --time-kind beside a location kind
        day = week_of(3)[0]
        args = [os.path.join(ROOT, "build", "bin", "wfactl"), "--json", "submit", "--as", org.staff[0]["nip"],
                "--kind", "rumah", "--time-kind", "dinamis", "--dates", day, "--location", "Rumah",
                "--reason", "Rumah, jam dinamis", "--schedule", "%s=07:00-15:30" % day]
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
        rid = json.loads(result.stdout)["request_id"]
        request = ok(system.client().call("REQUEST.GET", {"request_id": rid}))["request"]
        assert (request["kind"], request["time_kind"]) == ("rumah", "dinamis"), request


def day_of(j, offset):
    """Day `offset` (0 Monday .. 6 Sunday) of week slot j."""
    return (datetime.date.fromisoformat(weekly_monday(j)) + datetime.timedelta(days=offset)).isoformat()


MON_THU = (0, 1, 2, 3)
RAMADAN_SLOT = 6
# (case, who, week slot, kind, time kind, schedule [(weekday, start, end)], code, in the message)
HOURS_CASES = [
    ("a Ramadan week of exactly 32.5 h", "d0", RAMADAN_SLOT, "dinamis", None,
     [(d, "08:00", "15:00") for d in MON_THU] + [(4, "08:00", "15:30")], "OK", None),
    ("a Ramadan week of 30 h", "d1", RAMADAN_SLOT, "dinamis", None,
     [(d, "08:00", "14:30") for d in MON_THU] + [(4, "08:00", "15:00")], "HOURS_SHORT", "30.0 < 32.5"),
    ("an ordinary week of 37.5 h, breaks 60 and 90 on Friday", "d0", 1, "dinamis", None,
     [(d, "07:30", "16:00") for d in MON_THU] + [(4, "07:30", "16:30")], "OK", None),
    ("the Ramadan day outside Ramadan keeps the longer breaks: 30 h", "d1", 1, "dinamis", None,
     [(d, "08:00", "15:00") for d in MON_THU] + [(4, "08:00", "15:30")], "HOURS_SHORT", "30.0 < 37.5"),
    ("Friday's break is 90 minutes", "d2", 1, "dinamis", None,
     [(4, "07:30", "16:00")], "HOURS_SHORT", "37.0 < 37.5"),
    ("a night shift 22:00-06:30 counts 7.5 h, dated by its start", "d0", 2, "sif", None,
     [(0, "22:00", "06:30")], "OK", None),
    ("a night shift 22:00-06:00 counts 7 h", "d1", 2, "sif", None,
     [(0, "22:00", "06:00")], "HOURS_SHORT", "37.0 < 37.5"),
    ("a night shift running into the next morning's shift", "d2", 2, "sif", None,
     [(0, "22:00", "06:00"), (1, "05:00", "14:30")], "BAD_VALUE", "overlaps"),
    ("a Saturday shift in a 6-day unit", "r0", 3, "sif", None,
     [(5, "07:00", "14:15")], "OK", None),
    ("a short Saturday shift in a 6-day unit: 5 h + 5 x 6.25 h", "r2", 3, "sif", None,
     [(5, "07:00", "13:00")], "HOURS_SHORT", "36.25 < 37.5"),
    ("a Saturday shift in a 5-day unit", "d0", 3, "sif", None,
     [(5, "07:00", "14:15")], "NOT_WORKING_DAY", None),
    ("a Sunday shift in a 6-day unit", "r1", 3, "sif", None,
     [(6, "07:00", "14:15")], "NOT_WORKING_DAY", None),
    ("a Sunday shift of someone whose unit works 7 days (personnel data)", "x0", 3, "sif", None,
     [(6, "07:00", "15:30")], "OK", None),
    ("a short Sunday shift of that 7-day person: its hours count", "x0", 5, "sif", None,
     [(6, "07:00", "11:00")], "HOURS_SHORT", "< 37.5"),
    ("location and time together", "d3", 4, "rumah", "dinamis",
     [(0, "07:00", "15:30"), (1, "07:00", "15:30")], "OK", None),
    ("its location part counts against the weekly cap", "d3", 4, "rumah", None,
     [(2, None, None)], "WEEKLY_CAP", "2 + 1 > 2"),
    ("its time part is held to the weekly hours", "d4", 4, "rumah", "sif",
     [(0, "09:00", "12:00")], "HOURS_SHORT", "32.0 < 37.5"),
    ("location and time over the weekly cap", "d5", 4, "rumah", "dinamis",
     [(d, "07:30", "16:00") for d in (0, 1, 2)], "WEEKLY_CAP", "0 + 3 > 2"),
    ("a time kind beside a time kind", "d6", 4, "sif", "dinamis",
     [(0, "07:30", "16:00")], "BAD_KIND", None),
]


def test_weekly_hours_shifts_and_both_kinds():
    """Table-driven: Ramadan and ordinary weeks with their breaks, shifts across midnight, on
    a 6-day unit's Saturday and a 7-day person's Sunday, and location with time in one request
    (each part held to its rule), through the real services."""
    org = Org(opds=("DINKES", "RSUD"), supervisors=1, staff=7)
    dinkes = [s for s in org.staff if s["opd"] == "DINKES"]
    rsud = [s for s in org.staff if s["opd"] == "RSUD"]
    seven = employee(make_nip(900), "Perawat Puskesmas", org.pemda, "DINKES", "Perawat",
                     org.supervisors[0]["nip"])
    seven.update({"unit": "PKM-RANAP", "working_days": "7"})
    who = {"d%d" % n: row["nip"] for n, row in enumerate(dinkes)}
    who.update({"r%d" % n: row["nip"] for n, row in enumerate(rsud)})
    who["x0"] = seven["nip"]
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows + [seven])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[opd RSUD]\nlimits.working_days = 6\n"}))
        set_ramadan(client, org, day_of(RAMADAN_SLOT, 0), day_of(RAMADAN_SLOT, 6))
        ids = {}
        for n, (case, person, slot, kind, time_kind, schedule, code, detail) in enumerate(HOURS_CASES):
            body = {"key": "h%d" % n, "as": who[person], "kind": kind,
                    "dates": [day_of(slot, d) for d, _, _ in schedule], "location": "Kantor",
                    "reason": case, "lang": "en"}
            if time_kind:
                body["time_kind"] = time_kind
            if schedule[0][1]:
                body["schedule"] = [{"date": day_of(slot, d), "start": s, "end": e} for d, s, e in schedule]
            reply = client.call("REQUEST.SUBMIT", body)
            assert reply["code"] == code, (case, reply)
            if detail:
                assert any(detail in e["message"] for e in reply["errors"]), (case, reply)
            if code == "OK":
                ids[case] = reply["request_id"]
        both = ok(client.call("REQUEST.GET", {"request_id": ids["location and time together"]}))["request"]
        assert (both["kind"], both["time_kind"]) == ("rumah", "dinamis"), both
        assert both["schedule"] == "%s=07:00-15:30,%s=07:00-15:30" % (day_of(4, 0), day_of(4, 1)), both
        night = ok(client.call("REQUEST.GET", {"request_id": ids[HOURS_CASES[5][0]]}))["request"]
        assert night["dates"] == [day_of(2, 0)] and night["schedule"] == day_of(2, 0) + "=22:00-06:30", night


def test_checkin_in_ramadan_judged_against_the_ramadan_start(tmp_path=None):
    """In Ramadan (the pemda calendar's days) the working day starts at 08:00: a check-in at
    07:55 is on time there, and late on an ordinary day (07:30 + 15 minutes)."""
    from test_monev import Clock, scratch
    clock = Clock(str(scratch(tmp_path) / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    bkd = employee(make_nip(950), "Pejabat BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ("pegawai", "bkd"))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[chain]\nstep = bkd, sla_hours=72, on_timeout=remind\n"}))
        fasting, ordinary = day_of(1, 0), day_of(2, 0)
        set_ramadan(client, org, fasting, day_of(1, 4))
        people = {}
        for person, day in zip(org.staff, (fasting, ordinary)):
            reply = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": person["nip"], "kind": "lokasi_lain",
                                                      "dates": [day], "location": "x", "reason": "Uji"}))
            rid = reply["request_id"]
            wait_until_pending(client, rid)
            ok(client.call("APPROVAL.DECIDE", {"key": "a", "as": bkd["nip"], "request_id": rid,
                                               "decision": "approve"}))
            people[day] = person["nip"]
        for day, timing in ((fasting, "on_time"), (ordinary, "late")):
            clock.set(datetime.date.fromisoformat(day), 7, 55, 7)
            reply = ok(client.call("CHECKIN.IN", {"key": "c", "as": people[day]}))
            assert (reply["date"], reply["timing"]) == (day, timing), reply


def wait_until_pending(client, rid):
    from harness import wait_until
    wait_until("%s pending" % rid, lambda: ok(client.call(
        "REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending", 20)


def test_checkout_after_a_night_shift_closes_the_day_it_began(tmp_path=None):
    """A night shift is dated by its start: checked in at 21:55, out at 06:35 the next local day,
    the check-out closes the night's check-in. A day shift left open is not closed the next
    morning: that check-out is refused."""
    from test_monev import Clock, scratch
    clock = Clock(str(scratch(tmp_path) / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    bkd = employee(make_nip(950), "Pejabat BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ("pegawai", "bkd"))
    night, day_shift = org.staff[0]["nip"], org.staff[1]["nip"]
    monday = day_of(7, 0)
    tuesday = datetime.date.fromisoformat(day_of(7, 1))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[chain]\nstep = bkd, sla_hours=72, on_timeout=remind\n"}))
        # A time is HH:MM, two digits each: " 8:00" or "+8:00" would be stored as typed
        for start in (" 8:00", "+8:00", "8:00 "):
            refused = submit(client, night, "bad-" + start, "sif", [(monday, start, "16:00")])
            assert refused["code"] == "BAD_VALUE" and refused["field"] == "schedule", (start, refused)
        for nip, start, end in ((night, "22:00", "06:30"), (day_shift, "07:30", "16:00")):
            rid = ok(submit(client, nip, "s-" + nip, "sif", [(monday, start, end)]))["request_id"]
            wait_until_pending(client, rid)
            ok(client.call("APPROVAL.DECIDE", {"key": "a-" + rid, "as": bkd["nip"], "request_id": rid,
                                               "decision": "approve"}))
        clock.set(datetime.date.fromisoformat(monday), 7, 25, 7)
        assert ok(client.call("CHECKIN.IN", {"key": "in", "as": day_shift}))["timing"] == "on_time"
        clock.set(datetime.date.fromisoformat(monday), 21, 55, 7)
        reply = ok(client.call("CHECKIN.IN", {"key": "in", "as": night}))
        assert (reply["date"], reply["timing"]) == (monday, "on_time"), reply
        clock.set(tuesday, 6, 35, 7)
        reply = ok(client.call("CHECKIN.OUT", {"key": "out", "as": night}))
        assert reply["date"] == monday and reply["checked_out"], reply
        again = client.call("CHECKIN.OUT", {"key": "out-2", "as": night, "lang": "en"})
        assert again["status"] == "error", again
        refused = client.call("CHECKIN.OUT", {"key": "out", "as": day_shift, "lang": "en"})
        assert refused["status"] == "error" and refused["code"] in ("NOT_FLEXIBLE_DAY", "BAD_STATE"), refused
