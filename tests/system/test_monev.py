"""Monev: check-ins, daily reports, e-kinerja data and the figures, against the real services.

The services read a test clock (WFA_CLOCK_FILE: milliseconds added to the real time), so a
simulated month runs in seconds: requests are submitted and approved today for the weeks
ahead, then the clock walks through those weeks hour by hour while employees check in, write
their daily reports, atasan verify them and an integrator pushes e-kinerja data. The test keeps
its own account of what it did and computes every figure independently."""

import datetime
import os
import pathlib
import re
import tempfile
import time

from harness import (KEMENDAGRI, Clock, Org, System, approve_chain, approve_chains, awaiting,
                     employee, import_rows, make_nip, now_in, ok, wait_until, weekly_monday)

OFFICE = (-8.1335, 113.2248)          # the pemda's office
FAR = (-8.2000, 113.3000)             # some 11 km away
HOME = (-8.1300, 113.2200)


def scratch(path):
    """A folder for the clock file: the one given, or a fresh one."""
    return path or pathlib.Path(tempfile.mkdtemp(prefix="fleksi-monev-"))


def approve_all(client, rids, approver_of):
    """Approve each request through its chain (the atasan, approver_of[rid], first)."""
    for rid in rids:
        assert awaiting(client, rid, 20)["approver"] == approver_of[rid]
        assert approve_chain(client, rid)["state"] == "approved"


def wait_flexible(client, pemda, day, count):
    """The approvals reach the figures through the outbox: wait until they have."""
    span = {"from": day.isoformat(), "to": day.isoformat()}
    wait_until("%d flexible days counted" % count, lambda: ok(client.call(
        "MONEV.GET", dict(span, pemda=pemda)))["periods"][0]["flexible"]["days"] == count, 20)


def monev(client, **body):
    return ok(client.call("MONEV.GET", body, timeout=10))["periods"]


def activity(quantity=2):
    return [{"activity": "Menyusun laporan", "output": "Dokumen", "quantity": quantity, "rhk": "RHK-1"}]


def test_checkin_rules_time_zones_and_geofence(tmp_path=None, at_end=None, **options):
    """options: System's bin_dir, wrapper, extra_env (test_sanitizers runs this under the
    memory checkers); at_end(system) runs last, with the system still up."""
    tmp_path = scratch(tmp_path)
    clock = Clock(str(tmp_path / "clock"))
    wita = Org(pemda="51.71", opds=("DINKES",), supervisors=1, staff=3, base=100)
    wit = Org(pemda="91.71", opds=("DINKES",), supervisors=1, staff=3, base=200)
    for org in (wita, wit):
        org.staff[0]["home_geo"] = "%f,%f" % HOME
    env = dict(options.pop("extra_env", {}), WFA_CLOCK_FILE=clock.path)
    with System(verbose=False, extra_env=env, **options) as system:
        client = system.client()
        import_rows(client, wita.rows + wit.rows)
        policy = "[monev]\noffice = %f, %f\ngeofence_radius_m = 300\nwork_start = 07:30\n" \
                 "checkin_grace_minutes = 15\nreport_deadline = 23:59\n" % OFFICE
        day = datetime.date.fromisoformat(weekly_monday(1))
        for org, tz in ((wita, 8), (wit, 9)):
            clock.set_offset(0)
            ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
            kinds = ("rumah", "kantor_lain", "lokasi_lain")
            rids = {}
            for person, kind in zip(org.staff, kinds):
                reply = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": person["nip"], "kind": kind,
                                                          "dates": [day.isoformat()], "location": "x",
                                                          "reason": "Uji monev"}))
                rids[reply["request_id"]] = person["supervisor_nip"]
            # A shift worker: the day starts at 09:00 by the schedule
            shift = next(row for row in org.rows if row["nip"] == org.supervisors[0]["nip"])
            reply = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": shift["nip"], "kind": "sif",
                                                      "dates": [day.isoformat()], "location": "x", "reason": "Sif",
                                                      "schedule": [{"date": day.isoformat(), "start": "09:00",
                                                                    "end": "17:30"}]}))
            rids[reply["request_id"]] = shift["supervisor_nip"]
            approve_all(client, list(rids), rids)
            wait_flexible(client, org.pemda, day, 4)
            home, office, other = (p["nip"] for p in org.staff)
            # The evening before, local time: not a flexible day yet
            clock.set(day - datetime.timedelta(days=1), 23, 59, tz)
            assert client.call("CHECKIN.IN", {"key": "e", "as": home})["code"] == "NOT_FLEXIBLE_DAY"
            # Local midnight is the day, whatever the UTC date still is
            clock.set(day, 0, 1, tz)
            first = ok(client.call("CHECKIN.IN", {"key": "m", "as": other}))
            assert first["date"] == day.isoformat() and first["timing"] == "on_time", first
            assert first["where"] == "none" and first["flagged"] is False, first
            # 07:45 is the last on-time minute (07:30 + 15), judged in local time
            clock.set(day, 7, 45, tz)
            inside = ok(client.call("CHECKIN.IN", {"key": "h", "as": home, "lat": HOME[0] + 0.0005,
                                                   "lon": HOME[1]}))
            assert (inside["timing"], inside["where"], inside["flagged"]) == ("on_time", "inside", False), inside
            assert 40 <= inside["distance_m"] <= 70, inside
            clock.set(day, 7, 46, tz)
            # 07:46 is early for a shift that starts at 09:00
            early = ok(client.call("CHECKIN.IN", {"key": "sh", "as": shift["nip"]}))
            assert (early["timing"], early["where"]) == ("on_time", "none"), early
            late = ok(client.call("CHECKIN.IN", {"key": "o", "as": office, "lat": FAR[0], "lon": FAR[1]}))
            assert (late["timing"], late["where"], late["flagged"]) == ("late", "outside", True), late
            assert late["distance_m"] > 10000, late
            # Once a day, out after in, and nobody checks in for someone else's day
            assert client.call("CHECKIN.IN", {"key": "h2", "as": home})["code"] == "ALREADY_RECORDED"
            # a retry: the very same call (the same key with another body is IDEMPOTENCY_MISMATCH)
            retry = {"key": "h", "as": home, "lat": HOME[0] + 0.0005, "lon": HOME[1]}
            assert ok(client.call("CHECKIN.IN", retry))["timing"] == "on_time"
            ok(client.call("CHECKIN.OUT", {"key": "out", "as": home}))
            assert client.call("CHECKIN.OUT", {"key": "out2", "as": home})["code"] == "ALREADY_RECORDED"
            assert client.call("CHECKIN.OUT", {"key": "o1", "as": org.sekda["nip"]})["code"] == "NOT_FLEXIBLE_DAY"
            assert client.call("CHECKIN.IN", {"key": "x", "as": home, "lat": 91, "lon": 0})["code"] == "BAD_VALUE"
            assert client.call("CHECKIN.IN", {"key": "x", "as": home, "lat": 1})["code"] == "MISSING_FIELD"
            # The report deadline, 23:59 local: on time at 23:59, late a minute after midnight
            clock.set(day, 23, 59, tz)
            r1 = ok(client.call("REPORT.SUBMIT", {"key": "r", "as": home, "activities": activity()}))
            assert (r1["date"], r1["late"]) == (day.isoformat(), False), r1
            clock.set(day + datetime.timedelta(days=1), 0, 1, tz)
            assert client.call("REPORT.SUBMIT", {"key": "r2", "as": office,
                                                 "activities": activity()})["code"] == "NOT_FLEXIBLE_DAY"
            r2 = ok(client.call("REPORT.SUBMIT", {"key": "r2", "as": office, "date": day.isoformat(),
                                                  "activities": activity()}))
            assert r2["late"] is True, r2
            # The day is over: the one who never checked in... all three did; figures say so
            figures = monev(client, pemda=org.pemda, **{"from": day.isoformat(), "to": day.isoformat()})[0]
            assert figures["checkins"] == {"on_time": 3, "late": 1, "missing": 0, "flagged": 1,
                                           "compliance_pct": 75.0}, figures
            assert figures["reports"]["submitted"] == 2 and figures["reports"]["late"] == 1, figures
        system.assert_alive()
        if at_end:
            at_end(system)


def test_reports_and_ekinerja(tmp_path=None, at_end=None, **options):
    """options and at_end: as for test_checkin_rules_time_zones_and_geofence."""
    tmp_path = scratch(tmp_path)
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    other = Org(pemda="35.09", opds=("DINKES",), supervisors=1, staff=1, base=500)
    integrator = employee(make_nip(900), "SIMPEG", org.pemda, "BKD", "Sistem", "", ["integrator"])
    env = dict(options.pop("extra_env", {}), WFA_CLOCK_FILE=clock.path)
    with System(verbose=False, extra_env=env, **options) as system:
        client = system.client()
        import_rows(client, org.rows + other.rows + [integrator])
        alice, bob = org.staff
        day = datetime.date.fromisoformat(weekly_monday(1))
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": alice["nip"], "kind": "rumah",
                                                "dates": [day.isoformat()], "location": "x", "reason": "y"}))["request_id"]
        next_day = day + datetime.timedelta(days=1)
        bob_rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": bob["nip"], "kind": "rumah",
                                                    "dates": [day.isoformat(), next_day.isoformat()],
                                                    "location": "x", "reason": "y"}))["request_id"]
        approve_all(client, [rid, bob_rid], {rid: alice["supervisor_nip"], bob_rid: bob["supervisor_nip"]})
        wait_flexible(client, org.pemda, day, 2)
        # Bob cancels the rest of his request during its first day: that day stays his
        clock.set(day, 9)
        ok(client.call("CHECKIN.IN", {"key": "b", "as": bob["nip"]}))
        assert ok(client.call("REQUEST.CANCEL", {"key": "c", "as": bob["nip"], "request_id": bob_rid}))["state"] == "cancelled"
        ok(client.call("CHECKIN.OUT", {"key": "bo", "as": bob["nip"]}))
        clock.set(day, 16)
        boss = alice["supervisor_nip"]
        bad = client.call("REPORT.SUBMIT", {"key": "b", "as": alice["nip"], "activities": [
            {"activity": "", "output": "x", "quantity": -1}, "nope"]})
        assert bad["code"] == "MISSING_FIELD" and {e["index"] for e in bad["errors"]} == {0, 1}, bad
        ok(client.call("REPORT.SUBMIT", {"key": "r1", "as": alice["nip"], "activities": activity(3)}))
        assert client.call("REPORT.SUBMIT", {"key": "r9", "as": alice["nip"],
                                             "activities": activity()})["code"] == "ALREADY_RECORDED"
        listed = ok(client.call("REPORT.LIST", {"as": boss}))["reports"]
        assert [(r["nip"], r["state"], r["quantity"]) for r in listed] == [(alice["nip"], "submitted", 3)]
        # Only the atasan (or their Plt) verifies; a return needs a note
        assert client.call("REPORT.VERIFY", {"key": "v", "as": bob["nip"], "nip": alice["nip"],
                                             "date": day.isoformat(), "decision": "accept"})["code"] == "NOT_YOUR_DECISION"
        assert client.call("REPORT.VERIFY", {"key": "v", "as": other.staff[0]["nip"], "nip": alice["nip"],
                                             "date": day.isoformat(), "decision": "accept"})["code"] == "FORBIDDEN"
        assert client.call("REPORT.VERIFY", {"key": "v", "as": boss, "nip": alice["nip"],
                                             "date": day.isoformat(), "decision": "return"})["code"] == "MISSING_FIELD"
        ok(client.call("REPORT.VERIFY", {"key": "v1", "as": boss, "nip": alice["nip"], "date": day.isoformat(),
                                         "decision": "return", "note": "Lengkapi bukti"}))
        ok(client.call("REPORT.SUBMIT", {"key": "r2", "as": alice["nip"], "activities": [
            dict(activity(4)[0], evidence=["https://drive.example/bukti.pdf"])]}))
        ok(client.call("APPROVAL.DELEGATE", {"key": "plt", "as": org.kepala["DINKES"]["nip"],
                                             "approver": boss, "to": bob["nip"], "from": day.isoformat(),
                                             "until": day.isoformat(), "order_ref": "800/7/2026"}))
        verified = ok(client.call("REPORT.VERIFY", {"key": "v2", "as": bob["nip"], "nip": alice["nip"],
                                                    "date": day.isoformat(), "decision": "accept"}))
        assert verified["state"] == "accepted", verified
        report = ok(client.call("REPORT.GET", {"as": alice["nip"], "nip": alice["nip"],
                                               "date": day.isoformat()}))["report"]
        assert [h["action"] for h in report["history"]] == ["submit", "return", "submit", "accept"], report
        assert report["on_behalf_of"] == boss and report["quantity"] == 4, report
        # Out of reach reads as on record nowhere (no oracle)
        assert client.call("REPORT.GET", {"as": other.staff[0]["nip"], "nip": alice["nip"],
                                          "date": day.isoformat()})["code"] == "NOT_FOUND"
        # Alice heard of the return and the acceptance; her atasan of both submissions
        wait_until("inbox entries", lambda: sum(e["type"].startswith("report.") for e in ok(client.call(
            "INBOX.LIST", {"as": alice["nip"]}))["entries"]) == 2, 15)
        wait_until("atasan told", lambda: sum(e["type"] == "report.submitted" for e in ok(client.call(
            "INBOX.LIST", {"as": boss}))["entries"]) == 2, 15)
        # The sentences, made by wfa-notifications from the events' facts
        d = day.isoformat()
        heard = sorted((e["type"], e["message_id"], e["message_en"]) for e in ok(client.call(
            "INBOX.LIST", {"as": alice["nip"]}))["entries"] if e["type"].startswith("report."))
        assert heard == [
            ("report.accepted", "Laporan kinerja harian %s diterima oleh %s" % (d, bob["nip"]),
             "Your daily report of %s was accepted by %s" % (d, bob["nip"])),
            ("report.returned", "Laporan kinerja harian %s dikembalikan untuk diperbaiki oleh %s: Lengkapi bukti"
             % (d, boss), "Your daily report of %s was returned for revision by %s: Lengkapi bukti" % (d, boss))], heard
        assert {(e["message_id"], e["message_en"]) for e in ok(client.call("INBOX.LIST", {"as": boss}))["entries"]
                if e["type"] == "report.submitted"} == {(
            "Laporan kinerja harian %s dari %s menunggu verifikasi Anda" % (d, alice["nip"]),
            "The daily report of %s from %s awaits your verification" % (d, alice["nip"]))}

        # e-kinerja: idempotent by the sender's ids, conflicts reported, nothing overwritten
        month = day.isoformat()[:7]
        items = [{"id": "t-1", "type": "target", "nip": alice["nip"], "period": month, "rhk": "RHK-1", "quantity": 20},
                 {"id": "l-1", "type": "log", "nip": alice["nip"], "date": day.isoformat(), "rhk": "RHK-1", "quantity": 5},
                 {"id": "l-2", "type": "log", "nip": bob["nip"], "date": day.isoformat(), "rhk": "RHK-1", "quantity": 2},
                 {"id": "p-1", "type": "rating", "nip": alice["nip"], "period": month, "predikat": "sangat_baik"}]
        push = {"as": integrator["nip"], "source": "ekinerja-bkn", "items": items}
        first = ok(client.call("EKINERJA.PUSH", push))
        assert (first["created"], first["duplicates"], first["conflicts"]) == (4, 0, 0), first
        again = ok(client.call("EKINERJA.PUSH", push))
        assert (again["created"], again["duplicates"], again["conflicts"]) == (0, 4, 0), again
        changed = [dict(items[0], quantity=25), dict(items[3], id="p-2", predikat="baik"),
                   dict(items[0], id="t-2", quantity=30)]
        clash = ok(client.call("EKINERJA.PUSH", dict(push, items=changed)))
        assert [r["result"] for r in clash["results"]] == ["conflict", "conflict", "conflict"], clash
        assert all(r["detail"] for r in clash["results"]), clash
        # Another source may send the same target again: same value, a duplicate
        same = ok(client.call("EKINERJA.PUSH", dict(push, source="simpeg", items=[dict(items[0], id="x")])))
        assert same["results"][0]["result"] == "duplicate", same
        assert ok(client.call("EMPLOYEE.GET", {"nip": alice["nip"]}))["employee"]["predikat"] == "sangat_baik"
        refused = client.call("EKINERJA.PUSH", dict(push, items=[dict(items[1], nip=other.staff[0]["nip"], id="z")]))
        assert refused["code"] == "FORBIDDEN", refused
        assert client.call("EKINERJA.PUSH", dict(push, **{"as": alice["nip"]}))["code"] == "FORBIDDEN"
        assert client.call("EKINERJA.PUSH", dict(push, **{"as": KEMENDAGRI}))["code"] == "FORBIDDEN"
        assert client.call("EKINERJA.PUSH", dict(push, items=[]))["code"] == "MISSING_FIELD"
        invalid = client.call("EKINERJA.PUSH", dict(push, items=[{"id": "q", "type": "log", "nip": alice["nip"],
                                                                 "date": "2026-02-30", "rhk": "R", "quantity": "3"}]))
        assert invalid["code"] == "IMPORT_INVALID" and {e["field"] for e in invalid["errors"]} == {"date", "quantity"}
        clock.set(day + datetime.timedelta(days=1), 8)
        figures = monev(client, pemda=org.pemda, nip=alice["nip"], **{"from": month + "-01", "to": day.isoformat()})[0]
        # Her LKH (4 of RHK-1, accepted) and the e-kinerja log (5 of RHK-1) of the same day
        # report the same work: the day counts 5, once, against the RHK's own target
        assert figures["attainment"] == {"rhks": 1, "with_target": 1, "met": 0, "pct": 25.0, "by_rhk": [
            {"rhk": "RHK-1", "realized": 5, "realized_flexible": 5, "target": 20, "pct": 25.0,
             "per_flexible_day": 5.0, "per_office_day": 0.0}]}, figures
        team = monev(client, pemda=org.pemda, opd="DINKES", **{"from": day.isoformat(), "to": day.isoformat()})[0]
        # Bob's log of 2 is of his own RHK-1: never added to Alice's; it has no target
        assert team["attainment"] == {"rhks": 2, "with_target": 1, "met": 0, "pct": 25.0}, team
        # Reads are scoped: Bob may not read Alice's figures; Kemendagri reads the nation
        assert client.call("MONEV.GET", {"as": bob["nip"], "nip": alice["nip"], "from": day.isoformat(),
                                         "to": day.isoformat()})["code"] == "NOT_FOUND"   # no oracle
        nation = monev(client, **{"as": KEMENDAGRI, "from": day.isoformat(), "to": day.isoformat()})[0]
        assert nation["attainment"]["rhks"] == 2, nation
        # Bob's day stays his: he reports it; the cancelled next day is not his any more
        ok(client.call("REPORT.SUBMIT", {"key": "br", "as": bob["nip"], "date": day.isoformat(),
                                         "activities": activity()}))
        assert client.call("CHECKIN.IN", {"key": "b2", "as": bob["nip"]})["code"] == "NOT_FLEXIBLE_DAY"
        flexible = monev(client, pemda=org.pemda, **{"from": day.isoformat(), "to": next_day.isoformat(),
                                                     "by": "day"})
        wait_until("bob's cancelled day to leave the figures", lambda: [p["flexible"]["days"] for p in monev(
            client, pemda=org.pemda, **{"from": day.isoformat(), "to": next_day.isoformat(), "by": "day"})] == [2, 0], 15)
        assert flexible[0]["period"] == day.isoformat(), flexible
        # Kemendagri reads everything and changes nothing; an OPD needs its pemda
        assert client.call("MONEV.GET", {"as": KEMENDAGRI, "opd": "DINKES", "from": day.isoformat(),
                                         "to": day.isoformat()})["code"] == "MISSING_FIELD"
        assert client.call("MONEV.REBUILD", {"as": KEMENDAGRI, "pemda": org.pemda,
                                             "apply": True})["code"] == "FORBIDDEN"
        # nor takes the pemda's rebuild lock, which would hold its BKD off
        assert client.call("MONEV.REBUILD", {"as": KEMENDAGRI, "pemda": org.pemda})["code"] == "FORBIDDEN"
        assert system.redis("EXISTS", "wfa:{%s}:mv:rebuild:lock" % org.pemda).strip() == "0"
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": org.sekda["nip"], "pemda": org.pemda}, timeout=30))
        assert rebuilt["equal"] is True and rebuilt["differences"] == 0, rebuilt
        applied = ok(client.call("MONEV.REBUILD", {"as": org.sekda["nip"], "pemda": org.pemda, "apply": True}))
        assert applied["equal"] is True and applied["applied"] is True, applied
        system.assert_alive()
        if at_end:
            at_end(system)


def test_simulated_month(tmp_path=None):
    tmp_path = scratch(tmp_path)
    """Four weeks of a pemda with 3 OPDs and 60 staff: every figure equals the test's own
    count, flags and suspensions follow the policy exactly, and after a kill -9 of the metrics
    service midway, the rebuild from raw records equals the kept figures."""
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES", "DISDIK", "BAPPEDA"), supervisors=2, staff=10)
    staff = org.staff
    assert len(staff) == 60
    for person in staff:
        person["home_geo"] = "%f,%f" % HOME
    integrator = employee(make_nip(950), "e-Kinerja", org.pemda, "BKD", "Sistem", "", ["integrator"])
    bkd = employee(make_nip(951), "Petugas BKD", org.pemda, "BKD", "Analis SDM", "", ["pegawai", "bkd"])
    pemda = org.pemda
    policy = ("[monev]\noffice = %f, %f\ngeofence_radius_m = 300\nmin_checkin_compliance = 95\n"
              "min_report_rate = 90\nflag_after_weeks = 2\nsuspend_weeks = 1\n" % OFFICE)
    start = datetime.date.fromisoformat(weekly_monday(1))
    days = [start + datetime.timedelta(days=n) for n in range(28)]
    workdays = [d for d in days if d.weekday() < 5]

    # Who works flexibly when, and how each behaves (weak ones: every fourth)
    def flex_days(k):
        return [d for d in workdays if d.weekday() in ((1, 3) if k % 2 == 0 else (2,))]

    def checkin_kind(k, n):      # 0-6 on time, 7 late, 8 missing, 9 on time but outside
        return (k * 7 + n * 3) % 10 if k % 4 == 0 else 0

    def report_kind(k, n):       # 0-6 on time, 7 the next day (late), 8-9 none
        return (k * 5 + n) % 10 if k % 4 == 0 else 0

    def returned(k, n):
        return (k + n) % 6 == 0

    def log_quantity(k, n):
        return 1 + (k + n) % 3

    index_of = {d: n for n, d in enumerate(days)}
    flex = {(k, d) for k in range(60) for d in flex_days(k)}
    months = sorted({d.isoformat()[:7] for d in days})

    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [integrator, bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": pemda, "as": org.sekda["nip"], "text": policy}))
        # A request per person per week, approved by the atasan
        calls, approver = [], {}
        for k, person in enumerate(staff):
            for week in range(4):
                dates = [d.isoformat() for d in flex_days(k) if (d - start).days // 7 == week]
                calls.append(("REQUEST.SUBMIT", {"key": "s%d-%d" % (k, week), "as": person["nip"],
                                                 "kind": "rumah", "dates": dates, "location": "Rumah",
                                                 "reason": "Simulasi bulan"}))
        replies = client.call_many(calls, timeout=10)
        rids = [ok(r)["request_id"] for r in replies]
        for n, rid in enumerate(rids):
            approver[rid] = staff[n // 4]["supervisor_nip"]
        wait_until("every step open", lambda: ok(client.call(
            "REQUEST.LIST", {"pemda": pemda, "state": "pending", "limit": 1000}))["count"] == len(rids), 30)
        first = client.call_many([("REQUEST.GET", {"request_id": rid}) for rid in rids])
        assert [ok(r)["request"]["approver"] for r in first] == [approver[rid] for rid in rids]
        final = approve_chains(client, rids)
        assert sorted(final) == sorted(rids) and {r["state"] for r in final.values()} == {"approved"}
        wait_until("the flexible days counted", lambda: sum(p["flexible"]["days"] for p in monev(
            client, pemda=pemda, **{"from": days[0].isoformat(), "to": days[-1].isoformat()})) == len(flex), 30)
        # e-kinerja targets for each month touched
        targets = [{"id": "t-%d-%s" % (k, m), "type": "target", "nip": staff[k]["nip"], "period": m,
                    "rhk": "RHK-1", "quantity": 40} for k in range(60) for m in months]
        ok(client.call("EKINERJA.PUSH", {"as": integrator["nip"], "source": "ekinerja", "items": targets}))

        def at(day, hour, minute=0):
            clock.set(day, hour, minute)

        def batch(calls, kill_after=None):
            state = {"killed": False}

            def on_reply(index, reply):
                if kill_after is not None and index == kill_after and not state["killed"]:
                    state["killed"] = True
                    system.kill9("monev")
                    system.start("monev", 0)
            for reply in client.call_many(calls, timeout=3, retries=5, on_reply=on_reply):
                ok(reply)

        audit_key = "wfa:{%s}:audit" % pemda

        def audit(action):
            lines = [line.split("\x1f") for line in system.redis("LRANGE", audit_key, 0, -1).splitlines()]
            return [(f[5], f[9]) for f in lines if len(f) >= 13 and f[6] == action]

        expected_flags, expected_lifts, suspended_until = [], [], {}
        streak = [0] * 60

        def evaluate(week_start):
            """What the policy says of the week starting week_start: (flagged, lifted) nips."""
            label = "%d-W%02d" % week_start.isocalendar()[:2]
            monday_next = week_start + datetime.timedelta(days=7)
            today = monday_next
            lifted = [nip for nip, until in suspended_until.items() if until < today]
            for nip in lifted:
                del suspended_until[nip]
            flagged = []
            for k in range(60):
                week_days = [d for d in flex_days(k) if week_start <= d < monday_next]
                if not week_days:
                    continue
                on_time = sum(checkin_kind(k, index_of[d]) in (0, 1, 2, 3, 4, 5, 6, 9) for d in week_days)
                sent = sum(report_kind(k, index_of[d]) <= 7 for d in week_days)
                if on_time * 100 / len(week_days) < 95 or sent * 100 / len(week_days) < 90:
                    streak[k] += 1
                else:
                    streak[k] = 0
                if streak[k] >= 2:
                    streak[k] = 0
                    flagged.append(staff[k]["nip"])
                    suspended_until[staff[k]["nip"]] = monday_next + datetime.timedelta(days=6)
            return label, sorted(flagged), sorted(lifted)

        reports_due = {}          # day -> [(k, late)] submitted, for the next day's verification
        reminded_expected = {}
        killed = False
        for n, day in enumerate(days):
            if day.weekday() == 0 and n > 0:
                # A new week: the last one is evaluated once, exactly as the policy says
                at(day, 6, 0)
                label, flagged, lifted = evaluate(day - datetime.timedelta(days=7))
                wait_until("week %s evaluated" % label, lambda: system.redis(
                    "EXISTS", "wfa:{%s}:mv:evaluated:%s" % (pemda, label)).strip() == "1", 20)
                got = sorted(nip for nip, why in audit("monev_flag") if why.startswith(label))
                assert got == flagged, (label, got, flagged)
                expected_flags += flagged
                expected_lifts += lifted
                assert sorted(nip for nip, _ in audit("suspension_lifted")) == sorted(expected_lifts)
                for nip in flagged:
                    until = ok(client.call("EMPLOYEE.GET", {"nip": nip}))["employee"]["suspended_until"]
                    assert until == suspended_until[nip].isoformat(), (nip, until)
                    # Suspended: a new request within the suspension is refused
                    refused = client.call("REQUEST.SUBMIT", {"key": "sus-" + label, "as": nip, "kind": "rumah",
                                                             "dates": [(day + datetime.timedelta(days=4)).isoformat()],
                                                             "location": "x", "reason": "y"})
                    assert "SUSPENDED" in [e["code"] for e in refused["errors"]], refused
            if day.weekday() < 5:
                today = [k for k in range(60) if (k, day) in flex]
                at(day, 7, 20)
                batch([("CHECKIN.IN", {"key": "in-%d" % n, "as": staff[k]["nip"],
                                       "lat": (FAR if checkin_kind(k, n) == 9 else HOME)[0],
                                       "lon": (FAR if checkin_kind(k, n) == 9 else HOME)[1]})
                       for k in today if checkin_kind(k, n) in (0, 1, 2, 3, 4, 5, 6, 9)],
                      kill_after=3 if n == 9 and not killed else None)
                killed = killed or n == 9
                at(day, 8, 10)
                batch([("CHECKIN.IN", {"key": "in-%d" % n, "as": staff[k]["nip"], "lat": HOME[0], "lon": HOME[1]})
                       for k in today if checkin_kind(k, n) == 7])
            # The morning after: late reports, then the atasan verify yesterday's
            previous = [d for d in workdays if d < day]
            if previous and previous[-1] in reports_due and day > previous[-1]:
                done = previous[-1]
                dn = index_of[done]
                at(day, 9, 0)
                batch([("REPORT.SUBMIT", {"key": "rep-%d" % dn, "as": staff[k]["nip"], "date": done.isoformat(),
                                          "activities": activity()})
                       for k in range(60) if (k, done) in flex and report_kind(k, dn) == 7])
                at(day, 10, 0)
                batch([("REPORT.VERIFY", {"key": "ver-%d" % dn, "as": staff[k]["supervisor_nip"], "nip": staff[k]["nip"],
                                          "date": done.isoformat(),
                                          "decision": "return" if returned(k, dn) else "accept",
                                          "note": "Lengkapi"})
                       for k in range(60) if (k, done) in flex and report_kind(k, dn) <= 7])
                del reports_due[done]
            if day.weekday() < 5:
                at(day, 17, 0)
                batch([("REPORT.SUBMIT", {"key": "rep-%d" % n, "as": staff[k]["nip"], "activities": activity()})
                       for k in today if report_kind(k, n) <= 6])
                reports_due[day] = True
                # Two hours before the deadline, whoever has not reported is reminded, once
                at(day, 22, 0)
                expected = sum(1 for k in today if report_kind(k, n) >= 7)
                reminded_expected[day] = expected
                wait_until("reminders of %s" % day, lambda: system.redis(
                    "SCARD", "wfa:{%s}:mv:reminded:%s" % (pemda, day.isoformat())).strip() == str(expected), 20)
            if day.weekday() == 6:
                # Sunday: the integrator sends the week's logs, then the same batch again
                logs = [{"id": "l-%d-%d" % (k, index_of[d]), "type": "log", "nip": staff[k]["nip"],
                         "date": d.isoformat(), "rhk": "RHK-1", "quantity": log_quantity(k, index_of[d])}
                        for k in range(60) for d in workdays if day - datetime.timedelta(days=6) <= d <= day]
                at(day, 12, 0)
                first = ok(client.call("EKINERJA.PUSH", {"as": integrator["nip"], "source": "ekinerja", "items": logs}))
                again = ok(client.call("EKINERJA.PUSH", {"as": integrator["nip"], "source": "ekinerja", "items": logs}))
                assert first["created"] == len(logs) and again["duplicates"] == len(logs), (first, again)
        # The last week's evaluation
        after = days[-1] + datetime.timedelta(days=1)
        at(after, 6, 0)
        label, flagged, lifted = evaluate(days[-7])
        wait_until("week %s evaluated" % label, lambda: system.redis(
            "EXISTS", "wfa:{%s}:mv:evaluated:%s" % (pemda, label)).strip() == "1", 20)
        expected_flags += flagged
        expected_lifts += lifted
        assert sorted(nip for nip, _ in audit("monev_flag")) == sorted(expected_flags)
        assert sorted(nip for nip, _ in audit("suspension_lifted")) == sorted(expected_lifts)
        assert expected_flags, "the simulation should flag someone"
        flagged_nip = expected_flags[0]
        boss = next(p["supervisor_nip"] for p in staff if p["nip"] == flagged_nip)
        for person in (boss, bkd["nip"]):
            wait_until("%s told of the flag" % person, lambda: any(
                e["type"] == "monev.flagged" and flagged_nip in e["message_en"]
                for e in ok(client.call("INBOX.LIST", {"as": person, "limit": 1000}))["entries"]), 15)
        # The notices say what they said when the Lua wrote them, word for word (the
        # sentences now come from the text table in wfa-notifications)
        notice = next(e for e in ok(client.call("INBOX.LIST", {"as": boss, "limit": 1000}))["entries"]
                      if e["type"] == "monev.flagged" and flagged_nip in e["message_en"])
        name = re.escape(next(p["name"] for p in staff if p["nip"] == flagged_nip))
        tail_id, tail_en = r"(; kerja fleksibel ditangguhkan sampai \d{4}-\d\d-\d\d)?", \
            r"(; flexible work suspended until \d{4}-\d\d-\d\d)?"
        assert re.fullmatch(r"Pegawai %s \(%s\) di bawah tolok ukur monev \d+ minggu berturut-turut "
                            r"\(\d{4}-W\d\d\)%s" % (name, flagged_nip, tail_id), notice["message_id"]), notice
        assert re.fullmatch(r"Employee %s \(%s\) stayed below the monev benchmarks for \d+ weeks running "
                            r"\(\d{4}-W\d\d\)%s" % (name, flagged_nip, tail_en), notice["message_en"]), notice
        for nip in expected_lifts:
            lifts = [(e["message_id"], e["message_en"]) for e in ok(client.call(
                "INBOX.LIST", {"as": nip, "limit": 1000}))["entries"] if e["type"] == "monev.lifted"]
            assert lifts and set(lifts) == {("Penangguhan kerja fleksibel Anda telah berakhir",
                                             "Your suspension from flexible work has ended")}, (nip, lifts)
        reminders = {(e["message_id"], e["message_en"])
                     for k in range(60) for e in ok(client.call(
                         "INBOX.LIST", {"as": staff[k]["nip"], "limit": 1000}))["entries"]
                     if e["type"] == "report.reminder"}
        assert reminders and reminders <= {
            ("Pengingat: laporan kinerja harian %s belum dikirim" % d.isoformat(),
             "Reminder: the daily report of %s has not been sent" % d.isoformat())
            for d in reminded_expected if reminded_expected[d]}, reminders

        # The figures, against the test's own account
        def expected(members):
            e = dict(flex=0, on_time=0, late=0, flagged=0, sub=0, late_rep=0, acc=0, ret=0,
                     rhks=0, with_target=0, met=0, ratios=[], indexes=[])
            for k in members:
                real = real_flex = 0        # each person's one RHK, RHK-1
                for d in workdays:
                    n = index_of[d]
                    if (k, d) not in flex:
                        real += log_quantity(k, n)
                        continue
                    e["flex"] += 1
                    c, r = checkin_kind(k, n), report_kind(k, n)
                    e["on_time"] += c in (0, 1, 2, 3, 4, 5, 6, 9)
                    e["late"] += c == 7
                    e["flagged"] += c == 9
                    quantity = log_quantity(k, n)
                    if r <= 7:
                        e["sub"] += 1
                        e["late_rep"] += r == 7
                        if returned(k, n):
                            e["ret"] += 1
                        else:
                            e["acc"] += 1
                            # the LKH's 2 and the e-kinerja log of the same RHK and day: once
                            quantity = max(quantity, 2)
                    real += quantity
                    real_flex += quantity
                target = 40 * len(months)
                e["rhks"] += 1
                e["with_target"] += 1
                e["met"] += real >= target
                e["ratios"].append(100 * real / target)
                flex_days = len(flex_days_of(k))
                office = (real - real_flex) / (len(workdays) - flex_days)
                if office > 0:
                    e["indexes"].append(100 * (real_flex / flex_days) / office)
            return e

        def flex_days_of(k):
            return [d for d in workdays if (k, d) in flex]

        def average(values):
            return sum(values) / len(values) if values else None

        def check(figures, e, heads, what):
            assert figures["flexible"] == {"days": e["flex"], "location_days": e["flex"],
                                           "judged_days": e["flex"], "working_days": 20 * heads,
                                           "cap_days": 2 * 4 * heads, "unapproved_days": 0,
                                           "cap_use_pct": round(100 * e["flex"] / (8 * heads), 2)}, (what, figures)
            assert figures["checkins"]["on_time"] == e["on_time"], (what, figures)
            assert figures["checkins"]["late"] == e["late"], (what, figures)
            assert figures["checkins"]["missing"] == e["flex"] - e["on_time"] - e["late"], (what, figures)
            assert figures["checkins"]["flagged"] == e["flagged"], (what, figures)
            assert figures["reports"]["submitted"] == e["sub"] and figures["reports"]["late"] == e["late_rep"]
            assert figures["reports"]["accepted"] == e["acc"] and figures["reports"]["returned"] == e["ret"]
            attainment = figures["attainment"]
            assert (attainment["rhks"], attainment["with_target"], attainment["met"]) == \
                (e["rhks"], e["with_target"], e["met"]), (what, figures)
            assert abs(attainment["pct"] - average(e["ratios"])) < 0.006, (what, figures)
            assert figures["per_day"]["rhk_compared"] == len(e["indexes"]), (what, figures)
            assert abs(figures["per_day"]["flexible_vs_office_pct"] - average(e["indexes"])) < 0.006, (what, figures)
            assert figures["checkins"]["compliance_pct"] == round(100 * e["on_time"] / e["flex"], 2), (what, figures)

        span = {"from": days[0].isoformat(), "to": days[-1].isoformat()}
        # The integrator is a service account, no person: the BKD officer is
        check(monev(client, pemda=pemda, **span)[0], expected(range(60)), len(org.rows) + 1, "pemda")
        for opd in org.opds:
            members = [k for k in range(60) if staff[k]["opd"] == opd]
            heads = sum(1 for row in org.rows if row["opd"] == opd)
            check(monev(client, pemda=pemda, opd=opd, **span)[0], expected(members), heads, opd)
        for k in (0, 1, 4):
            check(monev(client, pemda=pemda, nip=staff[k]["nip"], **span)[0], expected([k]), 1, "staff %d" % k)
        # Each benchmark met or not, for the pemda and for a weak and a good employee
        totals, e = monev(client, pemda=pemda, **span)[0], expected(range(60))
        judged = {"compliance": e["on_time"] * 100 / e["flex"], "reports": e["sub"] * 100 / e["flex"],
                  "attainment": average(e["ratios"])}
        for name, minimum in (("compliance", 95), ("reports", 90), ("attainment", 100)):
            want = {"min_pct": minimum, "result": "meets" if judged[name] >= minimum else "below"}
            assert totals["benchmarks"][name] == want, (name, judged, totals["benchmarks"])
        assert {b["result"] for b in totals["benchmarks"].values()} == {"meets", "below"}, totals
        good = monev(client, pemda=pemda, nip=staff[1]["nip"], **span)[0]["benchmarks"]
        assert (good["compliance"]["result"], good["reports"]["result"]) == ("meets", "meets"), good
        # OPD capacity use: at most 10 of an OPD's people away on one day (no limit set)
        dinkes = monev(client, pemda=pemda, opd="DINKES", **span)[0]
        assert dinkes["capacity"] == {"peak_away": 10, "limit": None, "peak_pct": None}, dinkes
        # The approvals were decided today (real time): every step of every chain, none past
        # its SLA
        today = now_in(7).date().isoformat()
        decided = monev(client, pemda=pemda, **{"from": today, "to": today})[0]["approvals"]
        assert (decided["approved"], decided["rejected"], decided["rejection_pct"]) == (240, 0, 0.0), decided
        for role in ("atasan", "kepala_opd", "bkd"):
            step = decided["steps"][role]
            assert step["decided"] == 240 and step["sla_breaches"] == 0, decided
            assert 0 <= step["p50_s"] <= step["p90_s"] < 600, decided
        weeks = monev(client, pemda=pemda, by="week", **span)
        assert len(weeks) == 4 and sum(w["flexible"]["days"] for w in weeks) == len(flex), weeks
        # Rebuilt from the raw records, after the kill -9 midway: the same figures
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": bkd["nip"], "pemda": pemda}, timeout=30))
        assert rebuilt["equal"] is True and rebuilt["differences"] == 0, rebuilt
        assert rebuilt["records"] > 1000, rebuilt
        system.assert_alive()


def test_monev_through_wfactl(tmp_path=None):
    tmp_path = scratch(tmp_path)
    import csv
    import io
    import subprocess
    from harness import binary, wfactl_env
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    integrator = employee(make_nip(900), "SIMPEG", org.pemda, "BKD", "Sistem", "", ["integrator"])
    person = org.staff[0]
    person["home_geo"] = "%f,%f" % HOME
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [integrator])

        def ctl(*args):
            return subprocess.run([binary("wfactl")] + list(args), capture_output=True, text=True,
                                  env=wfactl_env(system, args), timeout=30)

        day = datetime.date.fromisoformat(weekly_monday(1))
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": person["nip"], "kind": "rumah",
                                                "dates": [day.isoformat()], "location": "x", "reason": "y"}))["request_id"]
        approve_all(client, [rid], {rid: person["supervisor_nip"]})
        wait_flexible(client, org.pemda, day, 1)
        clock.set(day, 7, 50)
        out = ctl("checkin", "--as", person["nip"], "--lat", str(HOME[0]), "--lon", str(HOME[1]))
        assert out.returncode == 0 and "late, inside (0 m)" in out.stdout, out
        out = ctl("checkout", "--as", person["nip"])
        assert out.returncode == 0 and out.stdout.startswith("Checked out on " + day.isoformat()), out
        clock.set(day, 16)
        out = ctl("report", "submit", "--as", person["nip"], "--activity",
                  "Menyusun laporan|Dokumen|3|RHK-1|https://x.example/a.pdf", "--activity", "Rapat|Notulen|1|RHK-2")
        assert out.returncode == 0 and "is now submitted" in out.stdout, out
        out = ctl("report", "list", "--as", person["supervisor_nip"])
        assert "1 report(s) await verification" in out.stdout and "quantity 4" in out.stdout, out
        out = ctl("report", "verify", person["nip"], day.isoformat(), "--as", person["supervisor_nip"], "--accept")
        assert out.returncode == 0 and "is now accepted" in out.stdout, out
        feed = tmp_path / "ekinerja.csv"
        feed.write_text("id,type,nip,period,date,rhk,quantity,predikat\n"
                        "t1,target,%s,%s,,RHK-1,40,\n"
                        "l1,log,%s,,%s,RHK-1,2,\n" % (person["nip"], day.isoformat()[:7], person["nip"], day.isoformat()))
        out = ctl("ekinerja", "push", str(feed), "--source", "simpeg", "--as", integrator["nip"])
        assert out.returncode == 0 and "2 new, 0 duplicates, 0 conflicts" in out.stdout, out
        feed.write_text("id,type,nip,period,date,rhk,quantity,predikat\n"
                        "t1,target,%s,%s,,RHK-1,50,\n" % (person["nip"], day.isoformat()[:7]))
        out = ctl("ekinerja", "push", str(feed), "--source", "simpeg", "--as", integrator["nip"])
        assert out.returncode == 1 and "line 2: conflict" in out.stderr, out
        # The one CSV reader: CRLF, a blank line and quoted fields; a conflict names the line it
        # stands on (line 4), counted past the blank line. The new target is for next month.
        later = (day.replace(day=1) + datetime.timedelta(days=32)).strftime("%Y-%m")
        feed.write_text("id,type,nip,period,date,rhk,quantity,predikat\r\n\r\n"
                        "\"t2\",target,%s,%s,,\"RHK-1\",45,\r\n"
                        "t1,target,%s,%s,,RHK-1,60,\r\n" % (person["nip"], later, person["nip"], day.isoformat()[:7]))
        out = ctl("ekinerja", "push", str(feed), "--source", "simpeg", "--as", integrator["nip"])
        assert out.returncode == 1 and "1 new, 0 duplicates, 1 conflicts" in out.stdout, out
        assert re.search(r"^line 4: conflict", out.stderr, re.M) and "line 3" not in out.stderr, out
        clock.set(day + datetime.timedelta(days=1), 8)
        span = ["--from", day.isoformat(), "--to", day.isoformat()]
        out = ctl("monev", "--pemda", org.pemda, "--nip", person["nip"], *span, "--as", person["nip"])
        assert out.returncode == 0 and "checkin_late" in out.stdout, out
        lines = dict(line.split() for line in out.stdout.splitlines()[1:])
        # RHK-1: the LKH's 3 and the log's 2 of the same day count once (3) against 40; RHK-2 has
        # no target
        assert (lines["checkin_late"], lines["reports_accepted"], lines["rhks"], lines["rhks_with_target"],
                lines["attainment_pct"]) == ("1", "1", "2", "1", "7.50"), out.stdout
        # Nothing was logged before the first flexible day: nothing to compare before/after
        assert (lines["first_flexible_day"], lines["rhks_compared_before"], lines["after_vs_before_pct"]) == \
            (day.isoformat(), "0", "-"), out.stdout
        out = ctl("export", "--pemda", org.pemda, *span, "--as", org.sekda["nip"])
        rows = list(csv.DictReader(io.StringIO(out.stdout)))
        assert out.returncode == 0 and len(rows) == 1 and rows[0]["period"] == day.isoformat(), out
        assert rows[0]["checkin_late"] == "1" and rows[0]["rhks"] == "2", rows
        out = ctl("--json", "monev", *span, "--as", KEMENDAGRI)
        assert out.returncode == 0 and '"rhks":2' in out.stdout, out
        out = ctl("monev", "--pemda", org.pemda, *span, "--as", person["nip"])
        assert out.returncode == 1 and "FORBIDDEN" in out.stderr, out
        out = ctl("metrics", "rebuild", "--pemda", org.pemda, "--as", org.sekda["nip"])
        assert out.returncode == 0 and "equal to the kept figures" in out.stdout, out


def test_monev_review_fixes(tmp_path=None):
    """One rebuild at a time; people who moved away stay in the rebuild; no '|' in an RHK code;
    a suspension stops a final approval; an OPD's own benchmarks are the ones it is judged by;
    the policy's time zone dates the approval counters like everything else."""
    tmp_path = scratch(tmp_path)
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=2)
    integrator = employee(make_nip(900), "SIMPEG", org.pemda, "BKD", "Sistem", "", ["integrator"])
    policy = ("[pemda]\ntimezone = WIT\n[monev]\nflag_after_weeks = 1\nsuspend_weeks = 1\n"
              "[opd DINKES]\nmonev.min_checkin_compliance = 0\nmonev.min_report_rate = 0\n")
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + [integrator])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": policy}))
        dinkes, disdik = org.staff[0], org.staff[2]
        day = datetime.date.fromisoformat(weekly_monday(1))
        rids = {}
        for person in (dinkes, disdik):
            rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": person["nip"], "kind": "rumah",
                                                    "dates": [day.isoformat()], "location": "x",
                                                    "reason": "y"}))["request_id"]
            rids[rid] = person["supervisor_nip"]
        approve_all(client, list(rids), rids)
        wait_flexible(client, org.pemda, day, 2)
        # Nobody checks in or reports; next Monday the week is judged by each OPD's settings
        monday = day + datetime.timedelta(days=7)
        clock.set(monday, 6, 0, 9)
        week = "%d-W%02d" % day.isocalendar()[:2]
        wait_until("week evaluated", lambda: system.redis(
            "EXISTS", "wfa:{%s}:mv:evaluated:%s" % (org.pemda, week)).strip() == "1", 20)
        suspended = {p["nip"]: ok(client.call("EMPLOYEE.GET", {"nip": p["nip"]}))["employee"].get("suspended_until")
                     for p in (dinkes, disdik)}
        until = (monday + datetime.timedelta(days=6)).isoformat()
        assert suspended == {dinkes["nip"]: None, disdik["nip"]: until}, suspended
        # A request submitted before the suspension is not approved within it
        later = ok(client.call("REQUEST.SUBMIT", {"key": "s2", "as": org.staff[3]["nip"], "kind": "rumah",
                                                  "dates": [(monday + datetime.timedelta(days=3)).isoformat()],
                                                  "location": "x", "reason": "y"}))["request_id"]
        wait_until("pending", lambda: ok(client.call("REQUEST.GET", {"request_id": later}))["request"]["state"] == "pending", 20)
        system.redis("HSET", "wfa:{%s}:emp:%s" % (org.pemda, org.staff[3]["nip"]), "suspended_until", until)
        last = approve_chain(client, later, final=False)
        refused = client.call("APPROVAL.DECIDE", {"key": "d", "as": last["approver"],
                                                  "request_id": later, "decision": "approve"})
        assert refused["code"] == "SUSPENDED" and until in refused["message"], refused
        # The approval counters follow the policy's zone (WIT), as the step waits do
        today_wit = now_in(9).date().isoformat()
        approvals = monev(client, pemda=org.pemda, **{"from": today_wit, "to": today_wit})[0]["approvals"]
        assert approvals["approved"] == approvals["steps"]["bkd"]["decided"] == 2, approvals
        # (the later request's steps were decided on the clock's Monday, not today)
        assert approvals["steps"]["atasan"]["decided"] == approvals["steps"]["kepala_opd"]["decided"] == 2
        # An OPD's own report deadline brings its reminder at its own time: DISDIK reports by
        # 16:00 (reminded from 14:00), the rest of the pemda by 23:59 (reminded from 21:59)
        ok(client.call("POLICY.SET", {"key": "p2", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": policy + "[opd DISDIK]\nmonev.report_deadline = 16:00\n"}))
        reminded_key = "wfa:{%s}:mv:reminded:%s" % (org.pemda, day.isoformat())
        clock.set(day, 14, 30, 9)
        wait_until("DISDIK reminded", lambda: system.redis("SMEMBERS", reminded_key).split() == [disdik["nip"]], 25)
        time.sleep(1.5)     # a few ticks: nobody else is reminded before their time
        assert system.redis("SMEMBERS", reminded_key).split() == [disdik["nip"]]
        clock.set(day, 22, 0, 9)
        wait_until("DINKES reminded", lambda: sorted(system.redis("SMEMBERS", reminded_key).split()) ==
                   sorted([disdik["nip"], dinkes["nip"]]), 25)
        # No '|' in an RHK code
        bad = client.call("EKINERJA.PUSH", {"as": integrator["nip"], "source": "s", "items": [
            {"id": "x", "type": "log", "nip": dinkes["nip"], "date": day.isoformat(), "rhk": "R|0", "quantity": 1}]})
        assert bad["code"] == "IMPORT_INVALID" and bad["errors"][0]["field"] == "rhk", bad
        # Someone with records who moves to another pemda stays in this pemda's rebuild
        clock.set(day, 8, 0, 9)
        ok(client.call("CHECKIN.IN", {"key": "ci", "as": disdik["nip"]}))
        ok(client.call("EMPLOYEE.IMPORT", {"key": "move", "rows": [dict(disdik, pemda="35.09")]}))
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": org.sekda["nip"], "pemda": org.pemda}))
        assert rebuilt["equal"] is True, rebuilt
        # One rebuild at a time
        lock = "wfa:{%s}:mv:rebuild:lock" % org.pemda
        system.redis("SET", lock, "someone-else", "PX", 60000)
        assert client.call("MONEV.REBUILD", {"as": org.sekda["nip"], "pemda": org.pemda})["code"] == "BUSY"
        system.redis("DEL", lock)
        assert ok(client.call("MONEV.REBUILD", {"as": org.sekda["nip"], "pemda": org.pemda,
                                                "apply": True}))["applied"] is True
        system.assert_alive()
