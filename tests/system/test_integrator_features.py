"""What integrators asked for (issue 11, item 5), over the native protocol: cursors on every
list that lose and repeat nothing while the list grows, REQUEST.LIST changed_since as a
sync cursor, EMPLOYEE.LIST, EMPLOYEE.DEACTIVATE and REACTIVATE, SCHEDULE.GET for a date."""

import json

import datetime
import os
import tempfile

from harness import (System, Org, Clock, employee, import_rows, ok, error_codes, staffed, make_nip,
                     week_days, weekly_monday, approve_chain, approve_chains, awaiting,
                     submit_body, today_wib, wait_until)


def pages(client, cmd, body, array, limit, between=None):
    """Every page of a list, following next_cursor; between(page_nbr) runs after each page.
    Returns the items of every page in order."""
    items, cursor, page_nbr = [], None, 0
    while True:
        call = dict(body, limit=limit)
        if cursor:
            call["cursor"] = cursor
        reply = ok(client.call(cmd, call, timeout=10), cmd)
        assert len(reply[array]) <= limit, reply
        if cmd != "INBOX.LIST":     # its count is all the entries the person has
            assert reply["count"] == len(reply[array]), reply
        items.extend(reply[array])
        cursor = reply["next_cursor"]
        page_nbr += 1
        if between:
            between(page_nbr)
        if cursor == "":
            return items


def test_employee_list_pages_2500_people_while_more_arrive():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=1))
        atasan = org.supervisors[0]["nip"]
        rows = [employee(make_nip(10_000 + n), "Pegawai %d" % n, org.pemda,
                         ("DINKES", "DISDIK")[n % 2], "Analis", atasan) for n in range(2500)]
        import_rows(client, rows, "bulk")
        before = {row["nip"] for row in org.rows + rows}
        late = [employee(make_nip(20_000 + n), "Baru %d" % n, org.pemda, "DINKES", "Analis", atasan)
                for n in range(60)]

        def arrive(page_nbr):
            # People imported while the list is paged through
            if page_nbr in (3, 9):
                half = late[:30] if page_nbr == 3 else late[30:]
                import_rows(client, half, "late-%d" % page_nbr)

        listed = pages(client, "EMPLOYEE.LIST", {"as": org.bkd["nip"]}, "employees", 97, arrive)
        nips = [e["nip"] for e in listed]
        assert len(nips) == len(set(nips)), "an employee repeated"
        assert before <= set(nips), sorted(before - set(nips))[:5]
        assert set(nips) <= before | {row["nip"] for row in late}
        assert nips == sorted(nips), "in NIP order"
        assert all(e["active"] is True and e["pemda"] == org.pemda for e in listed)
        # One OPD: its people only, the same maps as EMPLOYEE.GET
        dinkes = pages(client, "EMPLOYEE.LIST", {"as": org.bkd["nip"], "opd": "DINKES"},
                       "employees", 1000)
        assert {e["nip"] for e in dinkes} == {r["nip"] for r in org.rows + rows + late
                                              if r["opd"] == "DINKES"}
        one = ok(client.call("EMPLOYEE.GET", {"as": org.bkd["nip"], "nip": dinkes[0]["nip"]}))
        assert one["employee"] == dinkes[0]
        # A kepala OPD lists their OPD by default, and no other; a pegawai nothing
        kepala = org.kepala["DISDIK"]["nip"]
        first = ok(client.call("EMPLOYEE.LIST", {"as": kepala, "limit": 1000}))
        assert {e["opd"] for e in first["employees"]} == {"DISDIK"}, first["next_cursor"]
        other = client.call("EMPLOYEE.LIST", {"as": kepala, "opd": "DINKES"})
        assert error_codes(other) == {"FORBIDDEN"}, other
        assert error_codes(client.call("EMPLOYEE.LIST", {"as": rows[0]["nip"]})) == {"FORBIDDEN"}
        # A cursor no reply gave
        for bad in ("zz", "abc", "41"):
            assert error_codes(client.call("EMPLOYEE.LIST", {"as": org.bkd["nip"], "cursor": bad})) \
                == {"BAD_CURSOR"}, bad
        # An employee moved to another OPD moves in the lists at once
        moved = dict(rows[0], opd="DISDIK")
        import_rows(client, [moved], "move")
        dinkes_now = {e["nip"] for e in pages(client, "EMPLOYEE.LIST", {
            "as": org.bkd["nip"], "opd": "DINKES"}, "employees", 1000)}
        disdik_now = {e["nip"] for e in pages(client, "EMPLOYEE.LIST", {
            "as": org.bkd["nip"], "opd": "DISDIK"}, "employees", 1000)}
        assert moved["nip"] in disdik_now and moved["nip"] not in dinkes_now


def test_request_lists_page_and_changes_sync_once_in_order():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=40))
        atasan = org.supervisors[0]["nip"]
        bkd = org.bkd["nip"]
        staff = [s["nip"] for s in org.staff]
        calls = [("REQUEST.SUBMIT", submit_body(nip, [weekly_monday(j)], "s-%s-%d" % (nip, j)))
                 for j in range(3) for nip in staff]
        ids = [ok(r)["request_id"] for r in client.call_many(calls, timeout=10)]
        assert len(set(ids)) == 120
        extra = iter(range(3, 9))

        def arrive(page_nbr):
            # More requests while paging: newer, so before the first page; never repeated
            if page_nbr % 4 == 1:
                j = next(extra)
                ok(client.call("REQUEST.SUBMIT", submit_body(staff[page_nbr], [weekly_monday(j)],
                                                             "late-%d" % page_nbr)))
        maps = pages(client, "REQUEST.LIST", {"as": bkd}, "requests", 7, arrive)
        listed = [r["request_id"] for r in maps]
        assert len(listed) == len(set(listed)) and set(ids) <= set(listed), \
            (len(listed), len(set(listed)), len(set(ids) - set(listed)))
        at = [int(r["submitted_at"]) for r in maps]
        assert at == sorted(at, reverse=True), "newest first"
        # The approver's list, paged
        awaiting_atasan = [r["request_id"] for r in
                           pages(client, "APPROVAL.LIST", {"as": atasan}, "requests", 13)]
        assert len(awaiting_atasan) == len(set(awaiting_atasan)) and set(ids) <= set(awaiting_atasan)
        # Notifications: the atasan's inbox, once it holds the 120 notices at least
        wait_until("notices", lambda: ok(client.call("INBOX.LIST", {"as": atasan, "limit": 1}))
                   ["count"] >= 120, timeout=30)
        total = ok(client.call("INBOX.LIST", {"as": atasan, "limit": 1}))["count"]
        entries = [e["entry_id"] for e in pages(client, "INBOX.LIST", {"as": atasan}, "entries", 9)]
        assert len(entries) == len(set(entries)) >= total

        # Sync: everything once from the beginning, then only what changed, in order
        def sync(since, limit=11):
            out = []
            while True:
                reply = ok(client.call("REQUEST.LIST", {"as": bkd, "changed_since": since,
                                                        "limit": limit}))
                out.extend((r["request_id"], r["state"]) for r in reply["requests"])
                since = reply["sync_cursor"]
                if reply["next_cursor"] == "":
                    return out, since
                assert reply["next_cursor"] == since
        everything, cursor = sync("0")
        now = ok(client.call("REQUEST.LIST", {"as": bkd, "limit": 1000}))["requests"]
        assert len(everything) == len({rid for rid, _ in everything}) == len(now), len(everything)
        assert {(r["request_id"], r["state"]) for r in now} == set(everything)
        assert sync(cursor) == ([], cursor), "nothing changed since"
        changed = [ids[5], ids[2], ids[9]]
        for n, rid in enumerate(changed):
            ok(client.call("APPROVAL.DECIDE", {"key": "d%d" % n, "as": atasan, "request_id": rid,
                                               "decision": "return", "note": "Perbaiki"}))
        ok(client.call("REQUEST.CANCEL", {"key": "c", "as": org.staff[0]["nip"], "request_id": ids[0]}))
        since, cursor = sync(cursor, limit=2)
        assert since == [(ids[5], "returned"), (ids[2], "returned"), (ids[9], "returned"),
                         (ids[0], "cancelled")], since
        # Changed again: it comes again, later, with its state then
        ok(client.call("REQUEST.CANCEL", {"key": "c2", "as": staff[2], "request_id": ids[2]}))
        assert sync(cursor)[0] == [(ids[2], "cancelled")]
        # A narrower reader syncs what they reach only: the employee their own
        own, _ = sync_as(client, staff[1])
        assert sorted(rid for rid, _ in own) == sorted(r["request_id"] for r in now
                                                        if r["nip"] == staff[1]), own
        # A filtered sync whose changes were all filtered out still moves on past them
        mine = ok(client.call("REQUEST.LIST", {"as": bkd, "nip": staff[3], "changed_since": "0", "limit": 1000}))
        assert mine["next_cursor"] == ""
        ok(client.call("REQUEST.CANCEL", {"key": "c3", "as": staff[4], "request_id": ids[4]}))
        quiet = ok(client.call("REQUEST.LIST", {"as": bkd, "nip": staff[3], "changed_since": mine["sync_cursor"]}))
        assert quiet["requests"] == [] and quiet["next_cursor"] == "" and \
            quiet["sync_cursor"] != mine["sync_cursor"], (mine["sync_cursor"], quiet)
        assert ok(client.call("REQUEST.LIST", {"as": bkd, "changed_since": quiet["sync_cursor"]}))["requests"] == []
        # Bad and expired sync cursors say so
        assert error_codes(client.call("REQUEST.LIST", {"as": bkd, "changed_since": "xyz"})) == {"BAD_CURSOR"}
        assert error_codes(client.call("REQUEST.LIST", {"as": bkd, "changed_since": "41"})) == {"BAD_CURSOR"}
        # What the bound's trim writes when it drops changes (chg:floor): older cursors expire
        system.redis("SET", "wfa:{%s}:chg:floor" % org.pemda, "100000")
        expired = client.call("REQUEST.LIST", {"as": bkd, "changed_since": cursor})
        assert error_codes(expired) == {"CURSOR_EXPIRED"} and expired["field"] == "changed_since"
        ok(client.call("REQUEST.LIST", {"as": bkd, "changed_since": "0"}))


def sync_as(client, nip):
    out, since = [], "0"
    while True:
        reply = ok(client.call("REQUEST.LIST", {"as": nip, "changed_since": since}))
        out.extend((r["request_id"], r["state"]) for r in reply["requests"])
        since = reply["sync_cursor"]
        if reply["next_cursor"] == "":
            return out, since


def test_deactivation_keeps_history_and_takes_the_employee_out():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=2))
        leaver, stayer = org.staff[0]["nip"], org.staff[1]["nip"]
        atasan = org.supervisors[0]["nip"]
        bkd = org.bkd["nip"]
        days = week_days(1, 2)
        approved = ok(client.call("REQUEST.SUBMIT", submit_body(leaver, days, "a")))["request_id"]
        assert approve_chain(client, approved)["state"] == "approved"
        pending = ok(client.call("REQUEST.SUBMIT", submit_body(leaver, [weekly_monday(3)], "p")))["request_id"]
        waiting = ok(client.call("REQUEST.SUBMIT", submit_body(stayer, [weekly_monday(3)], "w")))["request_id"]
        assert [e["nip"] for e in ok(client.call("SCHEDULE.GET", {"as": bkd, "date": days[1]}))["entries"]] \
            == [leaver]
        # Who may: not the employee's atasan, nor with an unknown reason
        body = {"key": "k1", "nip": leaver, "reason": "pensiun", "from": days[1], "note": "SK 123"}
        # (days: the weekly cap of location days allows two)
        assert error_codes(client.call("EMPLOYEE.DEACTIVATE", dict(body, **{"as": atasan}))) == {"FORBIDDEN"}
        assert error_codes(client.call("EMPLOYEE.DEACTIVATE", dict(body, **{"as": bkd, "reason": "x"}))) \
            == {"BAD_VALUE"}
        reply = ok(client.call("EMPLOYEE.DEACTIVATE", dict(body, **{"as": bkd})))
        assert (reply["nip"], reply["active"], reply["cancelled"], reply["reopened"]) == \
            (leaver, False, 2, 0), reply
        again = ok(client.call("EMPLOYEE.DEACTIVATE", dict(body, **{"as": bkd})))
        assert again["cancelled"] == 2, "a retry gets the first answer"
        # The key is the caller's: another caller's call with it is their own
        assert error_codes(client.call("EMPLOYEE.DEACTIVATE", dict(body, **{"as": org.sekda["nip"]}))) \
            == {"BAD_STATE"}
        assert error_codes(client.call("EMPLOYEE.DEACTIVATE", dict(body, key="k2", **{"as": bkd}))) \
            == {"BAD_STATE"}
        person = ok(client.call("EMPLOYEE.GET", {"as": bkd, "nip": leaver}))["employee"]
        assert (person["active"], person["deactivated_from"], person["deactivation_reason"],
                person["deactivation_note"], person["deactivated_by"]) == \
            (False, days[1], "pensiun", "SK 123", bkd), person
        assert "bkd" not in person["roles"] and person["roles"], "roles stay on record"
        # History kept: the approved request keeps its first day, the pending one is cancelled
        first = ok(client.call("REQUEST.GET", {"as": bkd, "request_id": approved}))["request"]
        assert (first["state"], first["ended_from"], first["ended_by"]) == ("cancelled", days[1], "system")
        assert first["history"][-1]["note"].startswith("employee deactivated: pensiun")
        second = ok(client.call("REQUEST.GET", {"as": bkd, "request_id": pending}))["request"]
        assert second["state"] == "cancelled" and second["ended_from"] == ""
        assert [e["nip"] for e in ok(client.call("SCHEDULE.GET", {"as": bkd, "date": days[0]}))["entries"]] \
            == [leaver], "the day before stays"
        assert ok(client.call("SCHEDULE.GET", {"as": bkd, "date": days[1]}))["entries"] == []
        # Cannot submit; out of the lists and the OPD's people unless asked for
        refused = client.call("REQUEST.SUBMIT", submit_body(leaver, [weekly_monday(5)], "n"))
        assert error_codes(refused) == {"EMPLOYEE_INACTIVE"}, refused
        active = {e["nip"] for e in ok(client.call("EMPLOYEE.LIST", {"as": bkd}))["employees"]}
        everyone = {e["nip"] for e in ok(client.call("EMPLOYEE.LIST", {"as": bkd,
                                                                       "include_inactive": True}))["employees"]}
        assert leaver not in active and leaver in everyone and everyone - active == {leaver}
        assert system.redis("SISMEMBER", "wfa:{%s}:opd:DINKES" % org.pemda, leaver).strip() == "0"
        assert ok(client.call("AUDIT.VERIFY", {"as": bkd, "pemda": org.pemda}))["valid"] is True

        # The atasan leaves: the step that awaited them waits for nobody (NO_APPROVER)
        reply = ok(client.call("EMPLOYEE.DEACTIVATE", {"key": "k3", "as": bkd, "nip": atasan,
                                                       "reason": "pindah"}))
        assert (reply["cancelled"], reply["reopened"]) == (0, 1), reply
        held = ok(client.call("REQUEST.GET", {"as": bkd, "request_id": waiting}))["request"]
        assert (held["state"], held["approver"], held.get("waiting")) == ("pending", "", "NO_APPROVER"), held
        assert ok(client.call("APPROVAL.LIST", {"as": atasan}))["requests"] == []
        # Inactive, they reach their own records only: no longer their team's requests
        assert error_codes(client.call("REQUEST.GET", {"as": atasan, "request_id": waiting})) == {"FORBIDDEN"}
        ok(client.call("EMPLOYEE.GET", {"as": atasan, "nip": atasan}))
        # Back again, by the operator with wfactl: the step opens for them
        out = system.wfactl("employee", "reactivate", atasan, "--note", "batal")
        assert out.stdout == "Employee %s is active\n" % atasan, out.stdout
        again = system.wfactl("employee", "reactivate", atasan, check=False)
        assert again.returncode == 1 and "BAD_STATE" in again.stdout + again.stderr, again
        wait_until("the waiting step to open", lambda: ok(client.call("REQUEST.GET", {
            "as": bkd, "request_id": waiting}))["request"]["approver"] == atasan, timeout=10)
        ok(client.call("REQUEST.GET", {"as": atasan, "request_id": waiting}))
        assert ok(client.call("EMPLOYEE.GET", {"as": bkd, "nip": atasan}))["employee"]["active"] is True
        audit = system.redis("LRANGE", "wfa:{%s}:audit" % org.pemda, "0", "-1")
        assert audit.count("employee_deactivate") == 2 and audit.count("employee_reactivate") == 1


def test_a_deactivated_employee_decides_and_verifies_nothing():
    """Deactivated, a Plt/Plh acts for nobody, nobody is appointed one, an atasan verifies
    no daily report and none queues for them: a pegawai over their own records only."""
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-inactive-"), "clock"))
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client, _ = staffed(system, org)
        alice, bob, carol = (s["nip"] for s in org.staff)
        boss, kepala, bkd = org.staff[0]["supervisor_nip"], org.kepala["DINKES"]["nip"], org.bkd["nip"]
        day = datetime.date.fromisoformat(weekly_monday(1))
        days = [day.isoformat(), (day + datetime.timedelta(days=1)).isoformat()]
        plt = {"as": kepala, "approver": boss, "from": today_wib().isoformat(),
               "until": weekly_monday(3), "order_ref": "800/1/2026"}
        ok(client.call("APPROVAL.DELEGATE", dict(plt, key="plt", to=bob)))
        rid = ok(client.call("REQUEST.SUBMIT", submit_body(alice, days, "a")))["request_id"]
        assert approve_chain(client, rid)["state"] == "approved"
        waiting = ok(client.call("REQUEST.SUBMIT", submit_body(carol, [weekly_monday(2)], "c")))["request_id"]
        assert awaiting(client, waiting)["approver"] == boss
        ok(client.call("EMPLOYEE.DEACTIVATE", {"key": "d1", "as": bkd, "nip": bob, "reason": "pensiun"}))
        decide = {"key": "x", "as": bob, "request_id": waiting, "decision": "approve",
                  "tasks_fit": True, "targets_measurable": True}
        assert error_codes(client.call("APPROVAL.DECIDE", decide)) == {"NOT_YOUR_DECISION"}
        assert waiting not in [r["request_id"] for r in ok(client.call(
            "APPROVAL.LIST", {"as": bob}))["requests"]]
        refused = client.call("APPROVAL.DELEGATE", dict(plt, key="plt2", to=bob))
        assert (refused["code"], refused.get("field")) == ("EMPLOYEE_INACTIVE", "to"), refused
        # Alice's daily report: her atasan's former Plt verifies nothing
        wait_until("the approval to reach monev", lambda: ok(client.call("MONEV.GET", {
            "pemda": org.pemda, "from": days[0], "to": days[0]}))["periods"][0]["flexible"]["days"] == 1, 20)
        activities = [{"activity": "Menyusun laporan", "output": "Laporan", "quantity": 1, "rhk": "RHK-1"}]
        clock.set(day, 16)
        ok(client.call("REPORT.SUBMIT", {"key": "r1", "as": alice, "activities": activities}))
        verify = {"key": "v", "nip": alice, "date": days[0], "decision": "accept"}
        assert error_codes(client.call("REPORT.VERIFY", dict(verify, **{"as": bob}))) == {"NOT_YOUR_DECISION"}
        # The atasan leaves: they verify nothing, and the next report queues for nobody
        ok(client.call("EMPLOYEE.DEACTIVATE", {"key": "d2", "as": bkd, "nip": boss, "reason": "pindah"}))
        assert error_codes(client.call("REPORT.VERIFY", dict(verify, **{"as": boss}))) == {"NOT_YOUR_DECISION"}
        clock.set(day + datetime.timedelta(days=1), 16)
        ok(client.call("REPORT.SUBMIT", {"key": "r2", "as": alice, "activities": activities}))
        queue = "wfa:{%s}:mv:rep:pending:%s" % (org.pemda, boss)
        assert system.redis("ZSCORE", queue, "%s|%s" % (alice, days[1])).strip() == "", \
            "a report queued to a deactivated atasan"
        report = ok(client.call("REPORT.GET", {"as": alice, "nip": alice, "date": days[1]}))["report"]
        assert report["state"] == "submitted", report


def test_a_deactivated_approver_leaves_a_shared_step_to_the_others():
    """An escalated step awaits the atasan and their own atasan: the atasan leaves, the
    other decides. A step whose only listed approver leaves opens anew, by the approvals
    housekeeping, to whoever holds its role now."""
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    policy = ("[chain]\nstep = atasan, sla_hours=1, on_timeout=escalate\n"
              "step = kepala_opd, sla_hours=72, on_timeout=remind\n"
              "step = bkd, sla_hours=72, on_timeout=remind\n")
    with System(verbose=False, extra_env={"WFA_SLA_HOUR_MS": "1000"}) as system:
        client, _ = staffed(system, org)
        sekda, bkd, kepala = org.sekda["nip"], org.bkd["nip"], org.kepala["DINKES"]["nip"]
        alice = org.staff[0]["nip"]
        boss = org.staff[0]["supervisor_nip"]
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": sekda, "text": policy}))
        rid = ok(client.call("REQUEST.SUBMIT", submit_body(alice, [weekly_monday(1)], "a")))["request_id"]
        shared = wait_until("the escalation", lambda: ok(client.call("REQUEST.GET", {
            "as": bkd, "request_id": rid}))["request"]["approver"] == "%s,%s" % (boss, kepala), 15)
        ok(client.call("EMPLOYEE.DEACTIVATE", {"key": "d1", "as": bkd, "nip": boss, "reason": "pindah"}))
        held = ok(client.call("REQUEST.GET", {"as": bkd, "request_id": rid}))["request"]
        assert (held["state"], held["approver"], held.get("waiting")) == ("pending", kepala, None), held
        assert held["history"][-1]["note"] == "step 1: %s deactivated, %s decide" % (boss, kepala), held
        assert [r["request_id"] for r in ok(client.call("APPROVAL.LIST", {"as": kepala}))["requests"]] == [rid]
        ok(client.call("APPROVAL.DECIDE", {"key": "k", "as": kepala, "request_id": rid,
                                            "decision": "approve", "tasks_fit": True,
                                            "targets_measurable": True}))
        ok(client.call("APPROVAL.DECIDE", {"key": "k2", "as": kepala, "request_id": rid,
                                            "decision": "approve", "service_continues": True,
                                            "capacity_ok": True}))
        # The BKD step awaits the one officer; a second comes on record, then the first
        # leaves: the step opens to the second, with a deadline
        assert awaiting(client, rid)["approver"] == bkd
        other = employee(make_nip(4_000), "Petugas BKD 2", org.pemda, "BKD", "Analis SDM Aparatur", sekda,
                         ["pegawai", "bkd"])
        import_rows(client, [other], "second-bkd")
        ok(client.call("EMPLOYEE.DEACTIVATE", {"key": "d2", "as": sekda, "nip": bkd, "reason": "pensiun"}))
        opened = wait_until("the step to open anew", lambda: (lambda r: r if r["approver"] == other["nip"]
                            else None)(ok(client.call("REQUEST.GET", {"as": sekda, "request_id": rid}))["request"]), 10)
        assert opened.get("waiting") is None and opened["step_due"] > opened["step_opened_at"], opened
        assert [r["request_id"] for r in ok(client.call("APPROVAL.LIST", {"as": other["nip"]}))["requests"]] == [rid]
        assert approve_chain(client, rid)["state"] == "approved"


def test_schedule_follows_a_move_of_opd_and_a_move_of_pemda_ends_it():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=2))
        other = Org(pemda="35.09", opds=("DINKES",), supervisors=1, staff=1, base=500)
        import_rows(client, other.rows, "other")
        bkd = org.bkd["nip"]
        alice, bob = org.staff[0], org.staff[1]        # both of DINKES
        days = week_days(1, 2)
        rids = {}
        for person in (alice, bob):
            rids[person["nip"]] = ok(client.call("REQUEST.SUBMIT", submit_body(person["nip"], days, "s")))["request_id"]
        for rid in rids.values():
            assert approve_chain(client, rid)["state"] == "approved"

        def listed(date, opd=None, pemda=None, reader=bkd):
            body = {"as": reader, "date": date}
            if opd:
                body["opd"] = opd
            if pemda:
                body["pemda"] = pemda
            return [e["nip"] for e in ok(client.call("SCHEDULE.GET", body))["entries"]]

        assert listed(days[0], "DINKES") == sorted([alice["nip"], bob["nip"]])
        # Alice moves to DISDIK: her days ahead are listed there, no longer in DINKES
        import_rows(client, [dict(alice, opd="DISDIK")], "move-opd")
        for date in days:
            assert listed(date, "DISDIK") == [alice["nip"]], date
            assert listed(date, "DINKES") == [bob["nip"]], date
            assert listed(date) == sorted([alice["nip"], bob["nip"]]), date
        # Cancelled after the move: gone from where it is listed
        ok(client.call("REQUEST.CANCEL", {"key": "c", "as": alice["nip"], "request_id": rids[alice["nip"]]}))
        assert listed(days[0], "DISDIK") == [] and listed(days[0]) == [bob["nip"]]
        # Bob moves to another pemda: his request here ends from the move, as at a deactivation
        import_rows(client, [dict(bob, pemda="35.09", supervisor_nip=other.supervisors[0]["nip"])], "move-pemda")
        for date in days:
            assert listed(date) == [] and listed(date, "DINKES") == [], date
        gone = ok(client.call("REQUEST.GET", {"as": bkd, "request_id": rids[bob["nip"]]}))["request"]
        assert (gone["state"], gone["ended_by"], gone["ended_from"]) == ("cancelled", "system", ""), gone
        assert gone["history"][-1]["note"] == "employee moved to pemda 35.09", gone
        # Still listed by this pemda's BKD among its records
        assert [r["request_id"] for r in ok(client.call("REQUEST.LIST", {
            "as": bkd, "nip": bob["nip"]}))["requests"]] == [rids[bob["nip"]]]
        assert ok(client.call("AUDIT.VERIFY", {"as": bkd, "pemda": org.pemda}))["valid"] is True


def test_schedule_of_a_date_by_opd_with_a_revoked_day():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES", "DISDIK"), supervisors=1, staff=2))
        bkd = org.bkd["nip"]
        days = week_days(2, 2)
        rids = {}
        for n, person in enumerate(org.staff):
            body = submit_body(person["nip"], days, "s%d" % n)
            rids[person["nip"]] = ok(client.call("REQUEST.SUBMIT", body))["request_id"]
        approve_chains(client, list(rids.values()))
        # Revoked from the second day on: the first day stays in the schedule
        revoked = org.staff[0]
        ok(client.call("REQUEST.REVOKE", {"key": "r", "as": org.kepala[revoked["opd"]]["nip"],
                                          "request_id": rids[revoked["nip"]], "from": days[1],
                                          "reason": "Tugas kantor"}))
        everyone = sorted(rids)
        first = ok(client.call("SCHEDULE.GET", {"as": bkd, "date": days[0]}))
        assert first["date"] == days[0] and [e["nip"] for e in first["entries"]] == everyone
        assert first["next_cursor"] == ""
        entry = first["entries"][0]
        person = [p for p in org.staff if p["nip"] == entry["nip"]][0]
        assert entry == {"nip": person["nip"], "name": person["name"], "opd": person["opd"], "unit": "",
                         "kind": "rumah", "location": "Rumah, Lumajang", "time_kind": "",
                         "request_id": rids[person["nip"]]}, entry
        later = ok(client.call("SCHEDULE.GET", {"as": bkd, "date": days[1]}))
        assert [e["nip"] for e in later["entries"]] == [n for n in everyone if n != revoked["nip"]]
        # One OPD, and page by page
        dinkes = sorted(p["nip"] for p in org.staff if p["opd"] == "DINKES")
        paged = pages(client, "SCHEDULE.GET", {"as": bkd, "date": days[0], "opd": "DINKES"}, "entries", 1)
        assert [e["nip"] for e in paged] == dinkes
        # A kepala OPD sees their OPD by default and no other; a pegawai none
        kepala = org.kepala["DISDIK"]["nip"]
        own = ok(client.call("SCHEDULE.GET", {"as": kepala, "date": days[0]}))
        assert {e["opd"] for e in own["entries"]} == {"DISDIK"} and len(own["entries"]) == 2
        assert error_codes(client.call("SCHEDULE.GET", {"as": kepala, "date": days[0], "opd": "DINKES"})) \
            == {"FORBIDDEN"}
        assert error_codes(client.call("SCHEDULE.GET", {"as": org.staff[1]["nip"], "date": days[0]})) \
            == {"FORBIDDEN"}
        assert error_codes(client.call("SCHEDULE.GET", {"as": bkd, "date": "2026-02-30"})) == {"BAD_DATE"}
        assert error_codes(client.call("SCHEDULE.GET", {"as": bkd})) == {"MISSING_FIELD"}
        # The same through wfactl, and page by page with its --cursor
        system.issue_keys([bkd])
        listed = json.loads(system.wfactl("--json", "schedule", "--as", bkd, "--date", days[0]).stdout)
        assert listed["entries"] == first["entries"]
        text = system.wfactl("schedule", "--as", bkd, "--date", days[0], "--limit", "1").stdout
        assert text.startswith(everyone[0] + "  ") and "\n1 away on %s\nmore: --cursor " % days[0] in text, text
        cursor = text.rsplit("--cursor ", 1)[1].strip()
        second = json.loads(system.wfactl("--json", "schedule", "--as", bkd, "--date", days[0], "--limit", "1",
                                          "--cursor", cursor).stdout)
        assert [e["nip"] for e in second["entries"]] == [everyone[1]]
        names = system.wfactl("employees", "--as", bkd, "--opd", "DISDIK").stdout
        assert names.splitlines()[-1] == "%d employee(s)" % sum(r["opd"] == "DISDIK" for r in org.rows), names
        # A day nobody is away
        assert ok(client.call("SCHEDULE.GET", {"as": bkd, "date": weekly_monday(6)}))["entries"] == []


def test_ekinerja_corrections_kept_in_history_never_silent():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=1))
        pusher, person, bkd = org.sekda["nip"], org.staff[0]["nip"], org.bkd["nip"]
        day = week_days(1)[0]
        month = day[:7]

        def push(*items):
            return ok(client.call("EKINERJA.PUSH", {"as": pusher, "source": "ekinerja", "items": list(items)}))

        def rhk_a():
            reply = ok(client.call("MONEV.GET", {"as": bkd, "nip": person, "from": day, "to": day}))
            by_rhk = {r["rhk"]: r for r in reply["periods"][0]["attainment"]["by_rhk"]}
            return by_rhk["RHK-A"]["realized"], by_rhk["RHK-A"]["target"]

        log = {"type": "log", "nip": person, "date": day, "rhk": "RHK-A"}
        target = {"type": "target", "nip": person, "period": month, "rhk": "RHK-A"}
        rating = {"type": "rating", "nip": person, "period": month}
        first = push(dict(log, id="l1", quantity=3), dict(target, id="t1", quantity=10),
                     dict(rating, id="r1", predikat="baik"))
        assert [r["result"] for r in first["results"]] == ["created"] * 3 and "replaced" not in first
        assert rhk_a() == (3, 10)
        # The same id with other content and no `replaces`: refused, nothing overwritten
        refused = push(dict(log, id="l1", quantity=5))
        assert refused["results"] == [{"index": 0, "result": "conflict",
                                       "detail": "id l1 was sent before with other content"}], refused
        assert rhk_a() == (3, 10)
        # A correction needs its reason
        bad = client.call("EKINERJA.PUSH", {"as": pusher, "source": "ekinerja",
                                            "items": [dict(log, id="l2", quantity=5, replaces="l1")]})
        assert error_codes(bad) == {"IMPORT_INVALID", "MISSING_FIELD"}, bad
        # Corrections: the latest counts, the earlier stays in the history
        fixed = push(dict(log, id="l2", quantity=5, replaces="l1", reason="salah input"),
                     dict(target, id="t2", quantity=12, replaces="t1", reason="revisi SKP"),
                     dict(rating, id="r2", predikat="sangat_baik", replaces="r1", reason="banding"))
        assert [r["result"] for r in fixed["results"]] == ["replaced"] * 3 and fixed["replaced"] == 3, fixed
        assert rhk_a() == (5, 12)
        assert ok(client.call("EMPLOYEE.GET", {"as": bkd, "nip": person}))["employee"]["predikat"] == "sangat_baik"
        # A retry of a correction changes nothing; an item replaced already is not replaced again
        assert [r["result"] for r in push(dict(log, id="l2", quantity=5, replaces="l1",
                                               reason="salah input"))["results"]] == ["duplicate"]
        again = push(dict(log, id="l3", quantity=7, replaces="l1", reason="lagi"),
                     dict(log, id="l4", quantity=7, replaces="nope", reason="lagi"),
                     dict(target, id="t3", quantity=1, replaces="l2", reason="lagi"))
        assert [r.get("detail") for r in again["results"]] == [
            "item l1 was replaced by l2", "item nope is not on record", "item l2 is of another employee or type"]
        assert rhk_a() == (5, 12)
        # The history: every item, in order, the replaced ones marked by whom, when and why
        history = ok(client.call("EKINERJA.GET", {"as": bkd, "nip": person}))
        by_id = {item["id"]: item for item in history["items"]}
        assert [item["id"] for item in history["items"]] == ["l1", "t1", "r1", "l2", "t2", "r2"], history
        assert (by_id["l1"]["quantity"], by_id["l1"]["superseded_by"], by_id["l1"]["superseded_actor"],
                by_id["l1"]["superseded_reason"]) == (3, "l2", pusher, "salah input"), by_id["l1"]
        assert by_id["l1"]["superseded_at"] >= by_id["l1"]["at"] > 0
        assert (by_id["l2"]["replaces"], by_id["l2"]["reason"]) == ("l1", "salah input")
        assert "superseded_by" not in by_id["l2"]
        paged = pages(client, "EKINERJA.GET", {"as": bkd, "nip": person}, "items", 4)
        assert [item["id"] for item in paged] == ["l1", "t1", "r1", "l2", "t2", "r2"]
        refused = client.call("EKINERJA.GET", {"as": org.staff[0]["nip"], "nip": bkd})
        assert (refused["code"], refused.get("field")) == ("NOT_FOUND", "nip"), refused
        # The kept figures are what the raw records say
        rebuilt = ok(client.call("MONEV.REBUILD", {"as": bkd, "pemda": org.pemda}, timeout=30))
        assert rebuilt["equal"] is True, rebuilt
        # A correction refused (the employee became a service account since) withdraws nothing
        real = "wfa:{%s}:mv:real:%s" % (org.pemda, person)
        assert system.redis("HEXISTS", real, "%s|ekinerja|l2" % day).strip() == "1"
        import_rows(client, [dict(org.staff[0], roles=["pegawai", "integrator"])], "service")
        refused = push(dict(log, id="l5", quantity=9, replaces="l2", reason="lagi"))
        assert [r["result"] for r in refused["results"]] != ["replaced"] and "replaced" not in refused, refused
        assert system.redis("HEXISTS", real, "%s|ekinerja|l2" % day).strip() == "1", "the earlier item withdrawn"
        kept = {i["id"]: i for i in ok(client.call("EKINERJA.GET", {"as": bkd, "nip": person}))["items"]}
        assert "superseded_by" not in kept["l2"] and "l5" not in kept, kept
