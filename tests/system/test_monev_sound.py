"""Sound monev figures (issue 8, items 10 and 11), table-driven, against the real services.

Item 10: quantities of different RHKs are never added (attainment averages each RHK's own
realized/target); the same activity in an LKH and an e-kinerja log (same RHK, date, employee)
counts once; the before/after comparison of art. 35 compares quantities per working day before
the pemda's first flexible day with the asked range after it; integrators are no people.
Item 11: a check-in or daily report refused for a day without approved flexible work is
recorded once per employee and day, counted in MONEV.GET, and the atasan is told once.

Each table row names a case and what it must give; the rows hold a case the rule lets through
and one it stops. The dates come from week_days (slot 1: before flexible work began, slot 2:
the flexible week), so the tests pass on any day."""

import datetime
import time

from harness import Org, System, employee, import_rows, make_nip, ok, wait_until, week_days
from test_monev import Clock, scratch

# The chain of the pemda, explicit: one BKD decision (valid whatever the default chain is)
POLICY = "[chain]\nstep = bkd, sla_hours=72, on_timeout=remind\n"


def bkd_officer(org, n):
    return employee(make_nip(n), "Petugas BKD", org.pemda, "BKD", "Analis SDM", "", ["pegawai", "bkd"])


def approve_through(client, rids, bkd):
    """Every step of the policy's chain: here the BKD's one."""
    for rid in rids:
        wait_until("%s pending" % rid, lambda: ok(client.call(
            "REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending", 20)
        reply = client.call("APPROVAL.DECIDE", {"key": "a-" + rid, "as": bkd["nip"], "request_id": rid,
                                                "decision": "approve"})
        yield rid, reply


def submit(client, person, dates, key="s"):
    return ok(client.call("REQUEST.SUBMIT", {"key": key, "as": person["nip"], "kind": "rumah",
                                             "dates": dates, "location": "Rumah", "reason": "Uji monev"}))["request_id"]


def monev(client, **body):
    reply = ok(client.call("MONEV.GET", body, timeout=10))
    return reply["periods"][0], reply["before_after"]


def day_of(text):
    return datetime.date.fromisoformat(text)


def test_monev_figures_by_rhk_once_and_before_after(tmp_path=None):
    """A monev month where LKH and e-kinerja report the same activity: counted once."""
    tmp_path = scratch(tmp_path)
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    bkd = bkd_officer(org, 900)
    # Five service accounts in the OPD: with them, 20% of DINKES would be 2 people a day
    integrators = [employee(make_nip(910 + n), "SIMPEG %d" % n, org.pemda, "DINKES", "Sistem", "",
                            ["integrator"]) for n in range(5)]
    alice, bob, carol = org.staff
    before, week = week_days(1), week_days(2)
    span = {"from": week[0], "to": (day_of(week[0]) + datetime.timedelta(days=6)).isoformat()}
    month = week[0][:7]
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd] + integrators)
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": POLICY + "[capacity]\nmax_percent_per_day = 20\n"}))
        pusher = integrators[0]["nip"]
        # Integrators are no people: DINKES has 5 (kepala, atasan, 3 staff), its limit is 1 a day
        rids = {submit(client, alice, week[:2]): "approved", submit(client, bob, [week[3]]): "approved",
                submit(client, carol, [week[0]]): "CAPACITY_FULL"}
        for rid, reply in approve_through(client, list(rids), bkd):
            got = ok(reply)["state"] if rids[rid] == "approved" else reply.get("code")
            assert got == rids[rid], (rid, reply)
        wait_until("flexible days counted", lambda: monev(client, pemda=org.pemda, **span)[0]
                   ["flexible"]["days"] == 3, 20)
        # Alice's daily reports, accepted by her atasan
        reports = {week[0]: [("RHK-A", 3)], week[1]: [("RHK-A", 2)]}
        for date, items in reports.items():
            clock.set(day_of(date), 16)
            ok(client.call("REPORT.SUBMIT", {"key": "r", "as": alice["nip"], "activities": [
                {"activity": "Menyusun dokumen", "output": "Dokumen", "quantity": q, "rhk": rhk} for rhk, q in items]}))
            ok(client.call("REPORT.VERIFY", {"key": "v", "as": alice["supervisor_nip"], "nip": alice["nip"],
                                             "date": date, "decision": "accept"}))
        clock.set(day_of(span["to"]) + datetime.timedelta(days=1), 9)
        # e-kinerja: each row is (case, item, the result it must get)
        log = {"type": "log", "nip": alice["nip"]}
        items = [
            ("the LKH's activity again (RHK-A, Monday): counted once", dict(log, id="l1", date=week[0], rhk="RHK-A", quantity=3), "created"),
            ("another RHK the same day as an LKH: its own figure", dict(log, id="l2", date=week[1], rhk="RHK-B", quantity=4), "created"),
            ("RHK-A on an office day", dict(log, id="l3", date=week[2], rhk="RHK-A", quantity=5), "created"),
            ("Bob's RHK-X on his flexible day", dict(log, id="l4", nip=bob["nip"], date=week[3], rhk="RHK-X", quantity=3), "created"),
            ("an integrator's NIP: no person", dict(log, id="l5", nip=pusher, date=week[0], rhk="RHK-A", quantity=9), "service_account"),
        ] + [("RHK-A before flexible work began", dict(log, id="b%d" % n, date=date, rhk="RHK-A", quantity=1), "created")
             for n, date in enumerate(before)]
        targets = [("RHK-A target", {"id": "tA", "type": "target", "nip": alice["nip"], "period": month, "rhk": "RHK-A", "quantity": 10}, "created"),
                   ("RHK-B target", {"id": "tB", "type": "target", "nip": alice["nip"], "period": month, "rhk": "RHK-B", "quantity": 100}, "created"),
                   ("RHK-X target", {"id": "tX", "type": "target", "nip": bob["nip"], "period": month, "rhk": "RHK-X", "quantity": 3}, "created")]
        rows = items + targets
        pushed = ok(client.call("EKINERJA.PUSH", {"as": pusher, "source": "ekinerja", "items": [r[1] for r in rows]}))
        for (case, _, want), got in zip(rows, pushed["results"]):
            assert got["result"] == want, (case, got)
        # The figures, case by case
        a, a_before = monev(client, nip=alice["nip"], **span)
        b, b_before = monev(client, nip=bob["nip"], **span)
        dinkes, dinkes_before = monev(client, pemda=org.pemda, opd="DINKES", **span)
        by_rhk = {r["rhk"]: r for r in a["attainment"]["by_rhk"]}
        cases = [
            # LKH 3 and e-kinerja 3 of RHK-A on Monday are one activity: 3 + Tuesday's 2 + 5 = 10
            ("same activity in LKH and e-kinerja counts once", by_rhk["RHK-A"]["realized"], 10),
            ("its flexible part: Monday and Tuesday", by_rhk["RHK-A"]["realized_flexible"], 5),
            ("another RHK of the same day is not merged", by_rhk["RHK-B"]["realized"], 4),
            ("RHK-A against its own target", by_rhk["RHK-A"]["pct"], 100.0),
            ("RHK-B against its own target", by_rhk["RHK-B"]["pct"], 4.0),
            # (10 + 4) / (10 + 100) would be 12.73: units are never added
            ("attainment: the average of the RHKs' ratios", a["attainment"]["pct"], 52.0),
            ("Alice's attainment is below the benchmark", a["benchmarks"]["attainment"]["result"], "below"),
            ("Bob's meets it", b["benchmarks"]["attainment"]["result"], "meets"),
            ("RHKs met", (a["attainment"]["met"], b["attainment"]["met"]), (1, 1)),
            ("the OPD averages every employee's RHKs", dinkes["attainment"], {"rhks": 3, "with_target": 3, "met": 2, "pct": 68.0}),
            # RHK-A: 5 over 2 flexible days against 5 over 3 office days; RHK-B had no office day
            ("flexible vs office, per RHK", (a["per_day"]["rhk_compared"], a["per_day"]["flexible_vs_office_pct"]), (1, 150.0)),
            # Service accounts: 5 people, not 10
            ("integrators are no people: working days", dinkes["flexible"]["working_days"], 5 * 5),
            ("integrators are no people: the OPD's limit", dinkes["capacity"]["limit"], 1),
            ("the first flexible day", a_before["first_flexible_day"], week[0]),
            ("before: the same length of time before it", (a_before["before"]["from"], a_before["before"]["to"],
                                                           a_before["before"]["working_days"]),
             ((day_of(week[0]) - datetime.timedelta(days=7)).isoformat(),
              (day_of(week[0]) - datetime.timedelta(days=1)).isoformat(), 5)),
            # RHK-A: 1 a working day before, 10 over 5 working days after; RHK-B had nothing before
            ("after vs before, per RHK", (a_before["rhk_compared"], a_before["after_vs_before_pct"]), (1, 200.0)),
            ("by RHK", a_before["by_rhk"], [{"rhk": "RHK-A", "before_per_day": 1.0, "after_per_day": 2.0, "pct": 200.0}]),
            ("nothing before: nothing compared", (b_before["rhk_compared"], b_before["after_vs_before_pct"]), (0, None)),
            ("the OPD's comparison", (dinkes_before["rhk_compared"], dinkes_before["after_vs_before_pct"]), (1, 200.0)),
        ]
        for case, got, want in cases:
            assert got == want, (case, got, want)
        # The month of the flexible Monday, as a BKD officer reads it: each day's RHK-A once
        first = day_of(month + "-01")
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        counted = dict([(d, 1) for d in before] + [(week[0], 3), (week[1], 2), (week[2], 5)])
        whole = monev(client, nip=alice["nip"], by="month", **{"from": first.isoformat(), "to": last.isoformat()})[0]
        rhk_a = next(r for r in whole["attainment"]["by_rhk"] if r["rhk"] == "RHK-A")
        assert (whole["period"], rhk_a["realized"], rhk_a["target"]) == \
            (month, sum(q for d, q in counted.items() if d[:7] == month), 10), whole
        # Before flexible work began there is nothing to compare with
        _, early = monev(client, nip=alice["nip"], **{"from": before[0], "to": before[-1]})
        assert (early["first_flexible_day"], early["before"], early["rhk_compared"]) == (week[0], None, 0), early
        # The kept figures are what the raw records say
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": bkd["nip"], "pemda": org.pemda}, timeout=30))
        assert rebuilt["equal"] is True, rebuilt
        system.assert_alive()


def test_monev_unilateral_work_is_visible(tmp_path=None):
    tmp_path = scratch(tmp_path)
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    bkd = bkd_officer(org, 900)
    integrator = employee(make_nip(910), "SIMPEG", org.pemda, "DINKES", "Sistem", "", ["integrator"])
    allowed, alone, waiting = org.staff
    day, next_day = week_days(1)[:2]
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd, integrator])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": POLICY}))
        rid = submit(client, allowed, [day])
        for _, reply in approve_through(client, [rid], bkd):
            assert ok(reply)["state"] == "approved", reply
        pending = submit(client, waiting, [day])     # submitted, never approved
        wait_until("the flexible day counted", lambda: monev(client, pemda=org.pemda, **{"from": day, "to": day})[0]
                   ["flexible"]["days"] == 1, 20)
        clock.set(day_of(day), 8)
        # (case, who, call, body, the code it gets)
        calls = [
            ("an approved day: checked in", allowed, "CHECKIN.IN", {"key": "c1"}, "OK"),
            ("an approved day: reported", allowed, "REPORT.SUBMIT", {"key": "r1"}, "OK"),
            ("no request: check-in refused", alone, "CHECKIN.IN", {"key": "c1"}, "NOT_FLEXIBLE_DAY"),
            ("the same call again (a retry)", alone, "CHECKIN.IN", {"key": "c1"}, "NOT_FLEXIBLE_DAY"),
            ("again with another key", alone, "CHECKIN.IN", {"key": "c2"}, "NOT_FLEXIBLE_DAY"),
            ("a report of the same day", alone, "REPORT.SUBMIT", {"key": "r1"}, "NOT_FLEXIBLE_DAY"),
            ("a request still awaiting the BKD", waiting, "CHECKIN.IN", {"key": "c1"}, "NOT_FLEXIBLE_DAY"),
            ("a service account", integrator, "CHECKIN.IN", {"key": "c1"}, "NOT_FLEXIBLE_DAY"),
        ]
        for case, person, command, body, code in calls:
            if command == "REPORT.SUBMIT":
                body = dict(body, activities=[{"activity": "Menyusun", "output": "Dokumen", "quantity": 1, "rhk": "RHK-1"}])
            reply = client.call(command, dict(body, **{"as": person["nip"]}))
            assert reply["code"] == code, (case, reply)
        # The next day a report of that day (a day without approval) is refused too
        clock.set(day_of(next_day), 8)
        assert client.call("REPORT.SUBMIT", {"key": "r2", "as": alone["nip"], "activities": [
            {"activity": "Menyusun", "output": "Dokumen", "quantity": 1, "rhk": "RHK-1"}]})["code"] == "NOT_FLEXIBLE_DAY"
        span = {"from": day, "to": next_day}
        figures = [
            ("approved: nothing unilateral", {"nip": allowed["nip"]}, 0),
            ("once per employee and day, whatever was tried", {"nip": alone["nip"]}, 2),
            ("working before the approval is unilateral too", {"nip": waiting["nip"]}, 1),
            ("the OPD", {"pemda": org.pemda, "opd": "DINKES"}, 3),
            ("the pemda: the service account is not counted", {"pemda": org.pemda}, 3),
        ]
        for case, scope, want in figures:
            got = monev(client, **dict(scope, **span))[0]["flexible"]["unapproved_days"]
            assert got == want, (case, got, want)
        by_day = ok(client.call("MONEV.GET", dict(span, nip=alone["nip"], by="day")))["periods"]
        assert [p["flexible"]["unapproved_days"] for p in by_day] == [1, 1], by_day

        # The atasan (all three have the same one) is told once per employee and day
        def told(nip):
            return [e for e in ok(client.call("INBOX.LIST", {"as": nip, "limit": 1000}))["entries"]
                    if e["type"] == "monev.unilateral"]
        boss = alone["supervisor_nip"]
        wait_until("the atasan told", lambda: len(told(boss)) == 3, 15)
        time.sleep(1.5)     # redelivery would come within a second: nothing more comes
        texts = sorted(e["message_en"] for e in told(boss))
        assert len(texts) == 3 and sum(alone["nip"] in t for t in texts) == 2, texts
        assert any(waiting["nip"] in t and day in t for t in texts), texts
        # The sentences, made by wfa-notifications from the event's facts
        assert sorted((e["message_id"], e["message_en"]) for e in told(boss) if alone["nip"] in e["message_en"]) == [
            ("Pegawai %s (%s) bekerja fleksibel tanpa persetujuan pada %s (%s)" % (alone["name"], alone["nip"], d, w_id),
             "Employee %s (%s) worked flexibly without approval on %s (%s)" % (alone["name"], alone["nip"], d, w_en))
            for d, w_id, w_en in ((day, "check-in ditolak", "check-in refused"),
                                  (next_day, "laporan harian ditolak", "daily report refused"))], texts
        assert told(allowed["nip"]) == [] and told(alone["nip"]) == [], "the atasan is told, not the employee"
        # (never approved: it expired when its day began)
        assert ok(client.call("REQUEST.GET", {"request_id": pending}))["request"]["state"] != "approved"
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": bkd["nip"], "pemda": org.pemda}, timeout=30))
        assert rebuilt["equal"] is True, rebuilt
        system.assert_alive()
