"""The rules of a pemda's policy at submission, table-driven: each rule passes and fails as
the policy says, a request that breaks several hears about all of them, the policy version
is recorded, a bad policy is refused line by line and the one in force stays, and parallel
submissions never push an employee past the weekly cap."""

import datetime
import json
import os
import subprocess
import tempfile

import msgpack

from harness import (ROOT, wfactl_env, System, Org, employee, import_rows, make_nip, ok, today_wib,
                     week_days, weekly_monday, workdays)

WFACTL = os.path.join(ROOT, "build", "bin", "wfactl")


def policy_text(blackout):
    return """# Kebijakan uji
[kinds]
location = rumah, kantor_lain
[limits]
weekly_location_days = 2
min_notice_working_days = 2
max_days_per_request = 3
blackout = %s
[eligibility]
min_months_of_service = 12
min_predikat = baik
""" % blackout


def people(org, special_day=None):
    """Employees in DINKES, each made to break (or keep) one rule; "special" is in an approved
    special circumstance for the next 120 days, "partial" only on special_day."""
    boss = org.supervisors[0]["nip"]
    recent = (today_wib() - datetime.timedelta(days=100)).strftime("%Y-%m")
    sanction = "%s..%s" % ((today_wib() - datetime.timedelta(days=10)).isoformat(),
                            (today_wib() + datetime.timedelta(days=400)).isoformat())
    spec = {
        "ok": {"predikat": "baik"},
        "sanctioned": {"predikat": "baik", "sanctions": sanction},
        "new": {"predikat": "baik", "service_start": recent},
        "low": {"predikat": "butuh_perbaikan"},
        "desk": {"predikat": "baik", "position_eligible": "no"},
        "field": {"predikat": "baik", "field_based": "yes"},
        "special": {"predikat": "baik", "special_circumstances": "%s..%s" % (
            today_wib().isoformat(), (today_wib() + datetime.timedelta(days=120)).isoformat())},
        "partial": {"predikat": "baik", "special_circumstances": "%s..%s" % (special_day, special_day)},
    }
    rows, nips = [], {}
    for n, (name, extra) in enumerate(spec.items()):
        row = employee(make_nip(500 + n), name, org.pemda, "DINKES", "Analis", boss)
        row.update(extra)
        rows.append(row)
        nips[name] = row["nip"]
    return rows, nips


def submit(client, nip, key, dates, kind="rumah"):
    return client.call("REQUEST.SUBMIT", {"key": key, "as": nip, "kind": kind, "dates": dates,
                                          "location": "Rumah", "reason": "Uji aturan", "lang": "en"})


def codes(reply):
    return sorted({e["code"] for e in reply.get("errors", [])}) or [reply["code"]]


def test_rules_each_passes_and_fails():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    blackout = weekly_monday(5)
    with System(verbose=False) as system:
        client = system.client()
        a_week = week_days(9)        # w[0..7] below are slots 0..7, the blackout slot 5
        rows, nips = people(org, special_day=a_week[0])
        import_rows(client, org.rows + rows)
        reply = ok(client.call("POLICY.SET", {"key": "p1", "pemda": org.pemda, "as": org.sekda["nip"],
                                              "text": policy_text(blackout)}))
        assert reply["version"] == 1
        w = [weekly_monday(j) for j in range(8)]
        tomorrow = workdays(1, start_offset=1)[0]
        cases = [
            ("a day, all rules kept", nips["ok"], [w[1]], "rumah", ["OK"]),
            ("kind the policy does not allow", nips["ok"], [w[2]], "lokasi_lain", ["KIND_NOT_ALLOWED"]),
            ("kind it allows", nips["ok"], [w[2]], "kantor_lain", ["OK"]),
            ("more days than one request may hold", nips["ok"], [w[3], w[4], w[6], w[7]], "rumah",
             ["TOO_MANY_DAYS"]),
            ("too little notice", nips["ok"], [tomorrow], "rumah", ["NOTICE_TOO_SHORT"]),
            ("a blackout day", nips["ok"], [blackout], "rumah", ["BLACKOUT"]),
            ("a sanction in force", nips["sanctioned"], [w[1]], "rumah", ["SANCTIONED"]),
            ("a new employee", nips["new"], [w[1]], "rumah", ["SERVICE_TOO_SHORT"]),
            ("predikat below the minimum", nips["low"], [w[1]], "rumah", ["PREDIKAT_TOO_LOW"]),
            ("position not eligible", nips["desk"], [w[1]], "rumah", ["POSITION_NOT_ELIGIBLE"]),
            ("three days in one week: over the cap", nips["ok"], a_week[:3], "rumah", ["WEEKLY_CAP"]),
            ("field-based: the cap does not apply", nips["field"], a_week[:3], "rumah", ["OK"]),
            ("special circumstance over every day: the cap does not apply", nips["special"],
             a_week[:3], "rumah", ["OK"]),
            ("special circumstance over one day of three: the cap holds", nips["partial"],
             a_week[:3], "rumah", ["WEEKLY_CAP"]),
            ("a day already asked for", nips["ok"], [w[1]], "rumah", ["OVERLAP"]),
            ("several rules at once", nips["low"], [w[3], w[4], blackout, w[7]], "lokasi_lain",
             ["BLACKOUT", "KIND_NOT_ALLOWED", "PREDIKAT_TOO_LOW", "TOO_MANY_DAYS"]),
        ]
        for n, (what, nip, dates, kind, want) in enumerate(cases):
            reply = submit(client, nip, "case-%d" % n, dates, kind)
            assert codes(reply) == want, "%s: expected %r, got %r" % (what, want, reply)
            if want == ["OK"]:
                assert reply["policy_version"] == "1", reply
        # Refusals name the rule and the numbers
        reply = submit(client, nips["ok"], "numbers", a_week[:3])
        assert "2 + 1 > 2" in reply["message"] or "0 + 3 > 2" in reply["message"], reply
        reply = submit(client, nips["ok"], "numbers-2", [w[3], w[4], w[6], w[7]])
        assert "4 > 3" in reply["message"], reply
        # The request records the policy version it was judged by
        first = ok(submit(client, nips["ok"], "case-0", [w[1]]))
        request = ok(client.call("REQUEST.GET", {"request_id": first["request_id"]}))["request"]
        assert request["policy_version"] == "1", request


def test_bad_policy_refused_line_by_line_and_policy_in_force_stays():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p1", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy_text(weekly_monday(5))}))
        bad = "[limits]\nweekly_location_days = 9\n[nonsense]\nmax_days_per_request = 2\n"
        reply = client.call("POLICY.SET", {"key": "p2", "pemda": org.pemda, "as": org.sekda["nip"], "text": bad, "lang": "en"})
        assert reply["code"] == "POLICY_INVALID", reply
        lines = sorted(e["index"] for e in reply["errors"])
        assert lines[0] == 2 and 3 in lines, reply
        shown = ok(client.call("POLICY.GET", {"pemda": org.pemda}))
        assert shown["version"] == 1 and "weekly_location_days = 2" in shown["text"], shown

        # Through wfactl: set, show, and the same refusal with line numbers
        env = wfactl_env(system, people=[org.sekda["nip"]])
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write(open(os.path.join(ROOT, "deploy", "policy.example.ini")).read())
        try:
            result = subprocess.run([WFACTL, "policy", "set", "--pemda", org.pemda, f.name,
                                     "--as", org.sekda["nip"]],
                                    capture_output=True, text=True, env=env, timeout=30)
            assert result.returncode == 0 and "version 2" in result.stdout, result
            with open(f.name, "w") as g:
                g.write(bad)
            result = subprocess.run([WFACTL, "--lang", "en", "policy", "set", "--pemda", org.pemda, f.name,
                                     "--as", org.sekda["nip"]],
                                    capture_output=True, text=True, env=env, timeout=30)
            assert result.returncode != 0 and "POLICY_INVALID" in result.stderr, result
            assert "line 2:" in result.stderr and "line 3:" in result.stderr, result.stderr
        finally:
            os.unlink(f.name)
        result = subprocess.run([WFACTL, "--json", "policy", "show", "--pemda", org.pemda],
                                capture_output=True, text=True, env=env, timeout=30)
        assert json.loads(result.stdout)["version"] == 2, result.stdout


def test_parallel_submissions_never_pass_the_weekly_cap():
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System({"requests": 2}, verbose=False) as system:
        clients = [system.client() for _ in range(4)]
        import_rows(clients[0], org.rows)
        week = week_days(1)
        for staff in org.staff:
            # Every day of one week, twice each, from four sockets at once
            calls = [("REQUEST.SUBMIT", {"key": "race-%s-%d" % (day, copy), "as": staff["nip"],
                                         "kind": "rumah", "dates": [day], "location": "Rumah",
                                         "reason": "Balapan"})
                     for copy in range(2) for day in week]
            replies = []
            for n, client in enumerate(clients):
                for call in calls[n::4]:
                    client.sock.send_multipart(client._prepare(*call)[1])
            for n, client in enumerate(clients):
                for _ in calls[n::4]:
                    if client.sock.poll(10000):
                        replies.append(msgpack.unpackb(client.sock.recv_multipart()[1], raw=False))
            assert len(replies) == len(calls), "%d replies for %d calls" % (len(replies), len(calls))
            accepted = [r for r in replies if r["status"] == "ok"]
            refused = {c for r in replies if r["status"] != "ok" for c in codes(r)}
            assert len(accepted) == 2, "%d accepted: %r" % (len(accepted), accepted)
            assert refused <= {"WEEKLY_CAP", "OVERLAP"}, refused
            listed = ok(clients[0].call("REQUEST.LIST", {"pemda": org.pemda, "nip": staff["nip"]}))
            assert listed["count"] == 2, listed


def test_only_bkd_or_admin_of_the_pemda_set_policy_and_calendar():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    other = Org(pemda="51.71", opds=("DINKES",), supervisors=1, staff=1, base=5000)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows + other.rows)
        text = "[limits]\nweekly_location_days = 1\n"
        day = {"date": weekly_monday(3), "kind": "lokal", "name": "Hari Jadi"}
        # The sekda is admin_pemda here; staff, the atasan and the other pemda's admin are not
        for nip, allowed in ((org.sekda["nip"], True), (org.staff[0]["nip"], False),
                             (org.supervisors[0]["nip"], False), (other.sekda["nip"], False)):
            reply = client.call("POLICY.SET", {"key": "p-" + nip, "pemda": org.pemda, "as": nip, "text": text})
            assert (reply["status"] == "ok") == allowed, (nip, reply)
            if not allowed:
                assert reply["code"] == "FORBIDDEN", reply
            reply = client.call("CALENDAR.SET", {"key": "c-" + nip, "pemda": org.pemda, "as": nip, "days": [day]})
            assert (reply["status"] == "ok") == allowed, (nip, reply)
        assert client.call("POLICY.SET", {"key": "none", "pemda": org.pemda, "text": text})["code"] == "MISSING_FIELD"
        assert ok(client.call("POLICY.GET", {"pemda": org.pemda}))["version"] == 1
        # A retry with the same key is the same call: no second version
        again = ok(client.call("POLICY.SET", {"key": "p-" + org.sekda["nip"], "pemda": org.pemda,
                                              "as": org.sekda["nip"], "text": text}))
        assert again["version"] == 1 and ok(client.call("POLICY.GET", {"pemda": org.pemda}))["version"] == 1


def test_opd_overrides_apply_to_that_opd_only():
    org = Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=1)
    policy = ("[opd DISDIK]\nlimits.weekly_location_days = 1\nkinds.location = rumah\n"
              "capacity.max_people_per_day = 1\n")
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
        dinkes = [s for s in org.staff if s["opd"] == "DINKES"][0]["nip"]
        disdik = [s for s in org.staff if s["opd"] == "DISDIK"][0]["nip"]
        two = week_days(1, 2)
        assert codes(submit(client, disdik, "o1", two)) == ["WEEKLY_CAP"]
        assert codes(submit(client, disdik, "o2", two[:1], "kantor_lain")) == ["KIND_NOT_ALLOWED"]
        assert codes(submit(client, dinkes, "o3", two, "kantor_lain")) == ["OK"]
        reply = submit(client, disdik, "o4", two[:1])
        assert codes(reply) == ["OK"], reply


# (policy text, accepted?, line of the error, what the English and the Indonesian message name)
CEILING_CASES = [
    ("[limits]\nweekly_location_days = 2\n", True, None, None),
    ("[limits]\nweekly_location_days = 0\n[opd DINKES]\nlimits.weekly_location_days = 1\n", True, None, None),
    ("[limits]\nweekly_location_days = 3\n", False, 2, ("art. 13(1)", "pasal 13 ayat (1)")),
    ("[opd DINKES]\nlimits.weekly_location_days = 3\n", False, 2, ("art. 13(1)", "pasal 13 ayat (1)")),
    ("[limits]\nweekly_location_days = 5\n", False, 2, ("never raise", "tidak menaikkan")),
    # The dates of Ramadan moved to the calendar: the old key is refused, naming where
    ("[limits]\nramadan = 2027-02-08..2027-03-09\n", False, 2, ("CALENDAR.SET", "kalender")),
    ("[limits]\nramadan =\n", True, None, None),
]


def test_weekly_location_days_never_above_two():
    """Art. 13(1): a policy (or an OPD section) may lower the weekly cap, never raise it; a cap
    of 3 is refused with the article named, in both languages. A policy stored before the
    ceiling still loads, read as 2."""
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        for n, (text, accepted, line, named) in enumerate(CEILING_CASES):
            for lang, index in (("en", 0), ("id", 1)):
                reply = client.call("POLICY.SET", {"key": "c%d%s" % (n, lang), "pemda": org.pemda,
                                                   "as": org.sekda["nip"], "text": text, "lang": lang})
                if accepted:
                    assert reply["status"] == "ok", (text, reply)
                    continue
                assert reply["code"] == "POLICY_INVALID", (text, reply)
                assert [e["index"] for e in reply["errors"]] == [line], (text, reply)
                assert named[index] in reply["errors"][0]["message"], (text, lang, reply)
        # A text stored by an earlier version with a cap of 3 and limits.ramadan: read as 2,
        # without the old key, and the cap holds at 2
        old = "[limits]\nweekly_location_days = 3\nramadan = 2027-02-08..2027-03-09\n"
        system.redis("SET", "wfa:{%s}:policy:v99" % org.pemda, old)
        system.redis("SET", "wfa:{%s}:policy:current" % org.pemda, "99")
        shown = ok(client.call("POLICY.GET", {"pemda": org.pemda, "as": org.sekda["nip"]}))
        assert "weekly_location_days = 2\n" in shown["text"] and "ramadan =" not in shown["text"], shown
        nip = org.staff[0]["nip"]
        assert codes(submit(client, nip, "w1", week_days(1, 3))) == ["WEEKLY_CAP"]
        assert codes(submit(client, nip, "w2", week_days(1, 2))) == ["OK"]
