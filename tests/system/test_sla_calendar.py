"""SLAs count working hours of the pemda's calendar (docs/rules.md, "Time limits"): a step
opened on a Friday before a long weekend (the Monday a national holiday) does not remind or
expire over the weekend and the holiday; it does once its working hours are used. The
services run on the test clock (WFA_CLOCK_FILE), set to local times of the pemda's zone."""

import datetime
import tempfile
import os
import time

from harness import (System, Org, Clock, employee, import_rows, local_ms, make_nip, ok,
                     wait_until, week_days)

LONG_WEEKEND = "Libur nasional (uji akhir pekan panjang)"


def audit_actions(client, rid):
    return [e["action"] for e in ok(client.call("AUDIT.REQUEST", {"request_id": rid}))["entries"]]


def request(client, rid):
    return ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]


def test_sla_counts_working_hours_across_a_long_weekend():
    friday = datetime.date.fromisoformat(week_days(1)[4])
    holiday = friday + datetime.timedelta(days=3)                 # the Monday after
    tuesday, thursday = friday + datetime.timedelta(days=4), friday + datetime.timedelta(days=6)
    # Two pemdas, each with one BKD step: a 72-hour step that reminds, a 24-hour one that expires
    remind = Org(pemda="35.08", opds=("DINKES",), supervisors=1, staff=1)
    expire = Org(pemda="35.09", opds=("DINKES",), supervisors=1, staff=1, base=100)
    chains = {remind.pemda: "step = bkd, sla_hours=72, on_timeout=remind",
              expire.pemda: "step = bkd, sla_hours=24, on_timeout=expire"}
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-sla-"), "clock"))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        clock.set(friday, 10, 0)
        rids = {}
        for n, org in enumerate((remind, expire)):
            bkd = employee(make_nip(900 + n), "Petugas BKD", org.pemda, "BKD", "Analis SDM",
                           org.sekda["nip"], ["pegawai", "bkd"])
            import_rows(client, org.rows + [bkd], key_prefix="import-%d" % n)
            ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                          "text": "[chain]\n%s\n" % chains[org.pemda]}))
            ok(client.call("CALENDAR.SET", {"key": "c", "pemda": org.pemda, "as": org.sekda["nip"],
                                            "days": [{"date": holiday.isoformat(), "kind": "nasional",
                                                      "name": LONG_WEEKEND}]}))
            rids[org.pemda] = ok(client.call("REQUEST.SUBMIT", {
                "key": "s", "as": org.staff[0]["nip"], "kind": "rumah", "dates": [week_days(3)[1]],
                "location": "Rumah", "reason": "SLA"}))["request_id"]
        for rid in rids.values():
            wait_until("%s pending" % rid, lambda: request(client, rid)["state"] == "pending", 20)
        # The deadlines, in working time: Friday's 14 hours, then Tuesday, Wednesday and
        # Thursday to 10:00 (72 h); Friday's 14 hours and Tuesday to 10:00 (24 h)
        for pemda, due in ((remind.pemda, local_ms(thursday, 10)), (expire.pemda, local_ms(tuesday, 10))):
            got = request(client, rids[pemda])
            opened = int(got["step_opened_at"]) - local_ms(friday, 10)
            assert int(got["step_due"]) - due == opened and 0 <= opened < 10000, (pemda, got)

        def nothing_happens():
            time.sleep(2.5)                     # the timers are polled every second
            assert "remind" not in audit_actions(client, rids[remind.pemda])
            return [request(client, rid)["state"] for rid in rids.values()]

        # The holiday Monday evening: 72 and 24 hours of the clock have passed, no working hour
        clock.set(holiday, 23, 0)
        assert nothing_happens() == ["pending", "pending"]
        # Tuesday 10:00: the 24-hour step has had its working day, and expires, once
        clock.set(tuesday, 10, 1)
        wait_until("the 24-hour step expired",
                   lambda: request(client, rids[expire.pemda])["state"] == "expired", 15)
        assert audit_actions(client, rids[expire.pemda]).count("expire") == 1
        # Thursday: not before 10:00, then the reminder, once
        clock.set(thursday, 9, 58)
        assert nothing_happens() == ["pending", "expired"]
        clock.set(thursday, 10, 1)
        wait_until("the 72-hour reminder",
                   lambda: "remind" in audit_actions(client, rids[remind.pemda]), 15)
        time.sleep(2)
        assert audit_actions(client, rids[remind.pemda]).count("remind") == 1
        assert request(client, rids[remind.pemda])["state"] == "pending"
        system.assert_alive()


def test_calendar_changed_while_a_step_waits():
    """A day off added while a step waits moves its deadline later; taken away, earlier: the
    step's working hours are counted again from its opening by the new calendar."""
    friday = datetime.date.fromisoformat(week_days(1)[4])
    tuesday = friday + datetime.timedelta(days=4)
    wednesday, thursday = tuesday + datetime.timedelta(days=1), tuesday + datetime.timedelta(days=2)
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    bkd = employee(make_nip(900), "Petugas BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ["pegawai", "bkd"])
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-sla-"), "clock"))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        clock.set(friday, 10, 0)
        import_rows(client, org.rows + [bkd])
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"],
                                      "text": "[chain]\nstep = bkd, sla_hours=72, on_timeout=remind\n"}))
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": org.staff[0]["nip"], "kind": "rumah",
                                                "dates": [week_days(3)[1]], "location": "Rumah",
                                                "reason": "SLA"}))["request_id"]
        wait_until("pending", lambda: request(client, rid)["state"] == "pending", 20)
        opened = int(request(client, rid)["step_opened_at"]) - local_ms(friday, 10)

        def due():
            return int(request(client, rid)["step_due"]) - opened

        assert due() == local_ms(wednesday, 10)         # Friday 14 h, Monday, Tuesday, 10 h
        # A step decided meanwhile has no deadline left to move
        decided = ok(client.call("REQUEST.SUBMIT", {"key": "s2", "as": org.staff[1]["nip"], "kind": "rumah",
                                                    "dates": [week_days(3)[2]], "location": "Rumah",
                                                    "reason": "SLA"}))["request_id"]
        wait_until("pending", lambda: request(client, decided)["state"] == "pending", 20)
        ok(client.call("APPROVAL.DECIDE", {"key": "d2", "as": bkd["nip"], "request_id": decided,
                                           "decision": "approve"}))
        # The pemda declares Tuesday cuti bersama: a working day less before the deadline
        cuti = {"date": tuesday.isoformat(), "kind": "cuti_bersama", "name": "Cuti bersama (uji)"}
        reply = ok(client.call("CALENDAR.SET", {"key": "c1", "pemda": org.pemda, "as": org.sekda["nip"],
                                                "days": [cuti]}))
        assert reply["deadlines_moved"] == 1, reply
        assert due() == local_ms(thursday, 10)
        clock.set(wednesday, 10, 1)
        time.sleep(2.5)
        assert "remind" not in audit_actions(client, rid)
        # Taken away again, the deadline is back on Wednesday, already past: it reminds now
        reply = ok(client.call("CALENDAR.SET", {"key": "c2", "pemda": org.pemda, "as": org.sekda["nip"],
                                                "days": []}))
        assert reply["deadlines_moved"] == 1 and due() == local_ms(wednesday, 10), reply
        wait_until("the reminder", lambda: "remind" in audit_actions(client, rid), 15)
        # A step that fired is not brought back by a later change
        reply = ok(client.call("CALENDAR.SET", {"key": "c3", "pemda": org.pemda, "as": org.sekda["nip"],
                                                "days": [cuti]}))
        assert reply["deadlines_moved"] == 0, reply
        time.sleep(2)
        assert audit_actions(client, rid).count("remind") == 1
        system.assert_alive()
