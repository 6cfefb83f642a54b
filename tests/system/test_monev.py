"""Monev: check-ins, daily reports, e-kinerja data and the figures, against the real services.

The services read a test clock (WFA_CLOCK_FILE: milliseconds added to the real time), so a
simulated month runs in seconds: requests are submitted and approved today for the weeks
ahead, then the clock walks through those weeks hour by hour while employees check in, write
their daily reports, atasan verify them and an integrator pushes e-kinerja data. The test keeps
its own account of what it did and computes every figure independently."""

import datetime
import os
import time

from harness import (KEMENDAGRI, Org, System, employee, import_rows, make_nip, ok, wait_until,
                     weekly_monday)

OFFICE = (-8.1335, 113.2248)          # the pemda's office
FAR = (-8.2000, 113.3000)             # some 11 km away
HOME = (-8.1300, 113.2200)


class Clock:
    """The services' clock: set to a local time of a pemda's zone."""

    def __init__(self, path):
        self.path = path
        self.set_offset(0)

    def set_offset(self, ms):
        with open(self.path + ".tmp", "w") as f:
            f.write(str(int(ms)))
        os.replace(self.path + ".tmp", self.path)

    def set(self, day, hour, minute=0, tz_hours=7):
        zone = datetime.timezone(datetime.timedelta(hours=tz_hours))
        when = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        self.set_offset(when.timestamp() * 1000 - time.time() * 1000)


def approve_all(client, rids, approver_of):
    for rid in rids:
        wait_until("%s pending" % rid, lambda: ok(client.call(
            "REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending", 20)
        ok(client.call("APPROVAL.DECIDE", {"key": "a-" + rid, "as": approver_of[rid],
                                           "request_id": rid, "decision": "approve"}))


def monev(client, **body):
    return ok(client.call("MONEV.GET", body, timeout=10))["periods"]


def activity(quantity=2):
    return [{"activity": "Menyusun laporan", "output": "Dokumen", "quantity": quantity, "rhk": "RHK-1"}]


def test_checkin_rules_time_zones_and_geofence(tmp_path):
    clock = Clock(str(tmp_path / "clock"))
    wita = Org(pemda="51.71", opds=("DINKES",), supervisors=1, staff=3, base=100)
    wit = Org(pemda="91.71", opds=("DINKES",), supervisors=1, staff=3, base=200)
    for org in (wita, wit):
        org.staff[0]["home_geo"] = "%f,%f" % HOME
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
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
            approve_all(client, list(rids), rids)
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
            late = ok(client.call("CHECKIN.IN", {"key": "o", "as": office, "lat": FAR[0], "lon": FAR[1]}))
            assert (late["timing"], late["where"], late["flagged"]) == ("late", "outside", True), late
            assert late["distance_m"] > 10000, late
            # Once a day, out after in, and nobody checks in for someone else's day
            assert client.call("CHECKIN.IN", {"key": "h2", "as": home})["code"] == "ALREADY_RECORDED"
            assert ok(client.call("CHECKIN.IN", {"key": "h", "as": home}))["timing"] == "on_time"  # a retry
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
            assert figures["checkins"] == {"on_time": 2, "late": 1, "missing": 0, "flagged": 1,
                                           "compliance_pct": 66.67}, figures
            assert figures["reports"]["submitted"] == 2 and figures["reports"]["late"] == 1, figures
        system.assert_alive()


def test_reports_and_ekinerja(tmp_path):
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    other = Org(pemda="35.09", opds=("DINKES",), supervisors=1, staff=1, base=500)
    integrator = employee(make_nip(900), "SIMPEG", org.pemda, "BKD", "Sistem", "", ["integrator"])
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + other.rows + [integrator])
        alice, bob = org.staff
        day = datetime.date.fromisoformat(weekly_monday(1))
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": alice["nip"], "kind": "rumah",
                                                "dates": [day.isoformat()], "location": "x", "reason": "y"}))["request_id"]
        approve_all(client, [rid], {rid: alice["supervisor_nip"]})
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
        ok(client.call("APPROVAL.DELEGATE", {"key": "plt", "as": boss, "to": bob["nip"],
                                             "from": day.isoformat(), "until": day.isoformat()}))
        verified = ok(client.call("REPORT.VERIFY", {"key": "v2", "as": bob["nip"], "nip": alice["nip"],
                                                    "date": day.isoformat(), "decision": "accept"}))
        assert verified["state"] == "accepted", verified
        report = ok(client.call("REPORT.GET", {"as": alice["nip"], "nip": alice["nip"],
                                               "date": day.isoformat()}))["report"]
        assert [h["action"] for h in report["history"]] == ["submit", "return", "submit", "accept"], report
        assert report["on_behalf_of"] == boss and report["quantity"] == 4, report
        assert client.call("REPORT.GET", {"as": other.staff[0]["nip"], "nip": alice["nip"],
                                          "date": day.isoformat()})["code"] == "FORBIDDEN"
        # Alice heard of the return and the acceptance; her atasan of both submissions
        wait_until("inbox entries", lambda: sum(e["type"].startswith("report.") for e in ok(client.call(
            "INBOX.LIST", {"as": alice["nip"]}))["entries"]) == 2, 15)
        wait_until("atasan told", lambda: sum(e["type"] == "report.submitted" for e in ok(client.call(
            "INBOX.LIST", {"as": boss}))["entries"]) == 2, 15)

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
        invalid = client.call("EKINERJA.PUSH", dict(push, items=[{"id": "q", "type": "log", "nip": alice["nip"],
                                                                 "date": "2026-02-30", "rhk": "R", "quantity": "3"}]))
        assert invalid["code"] == "IMPORT_INVALID" and {e["field"] for e in invalid["errors"]} == {"date", "quantity"}
        clock.set(day + datetime.timedelta(days=1), 8)
        figures = monev(client, pemda=org.pemda, nip=alice["nip"], **{"from": month + "-01", "to": day.isoformat()})[0]
        assert figures["attainment"] == {"realized": 9, "realized_flexible": 9, "target": 20, "pct": 45.0}, figures
        team = monev(client, pemda=org.pemda, opd="DINKES", **{"from": day.isoformat(), "to": day.isoformat()})[0]
        assert team["attainment"]["realized"] == 11 and team["attainment"]["realized_flexible"] == 9, team
        # Reads are scoped: Bob may not read Alice's figures; Kemendagri reads the nation
        assert client.call("MONEV.GET", {"as": bob["nip"], "nip": alice["nip"], "from": day.isoformat(),
                                         "to": day.isoformat()})["code"] == "FORBIDDEN"
        nation = monev(client, **{"as": KEMENDAGRI, "from": day.isoformat(), "to": day.isoformat()})[0]
        assert nation["attainment"]["realized"] == 11, nation
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": org.sekda["nip"], "pemda": org.pemda}))
        assert rebuilt["equal"] is True and rebuilt["differences"] == 0, rebuilt
        system.assert_alive()
