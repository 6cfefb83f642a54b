"""The native protocol without surprises (issue 11, item 6), each as an integrator would
meet it from docs/protocol.md alone:

- an error the broker answers itself (TOO_LARGE, BAD_FRAME, BAD_MSGPACK, UNKNOWN_COMMAND,
  SERVICE_UNAVAILABLE) echoes the call's id; an id that is not a short valid str or an int is
  BAD_ID, and every reply is valid UTF-8;
- an idempotency key reused with another body is IDEMPOTENCY_MISMATCH in every command that
  takes a key, while a true retry (the same fields, in any order) gets the first answer;
- a field a command does not accept is BAD_FIELD, at the top and inside the maps of a call;
  an unknown filter value, OPD or lang is an error, not ignored;
- a NIP out of the reader's reach and one on record nowhere both answer NOT_FOUND, alike;
- a NIP's appointment month, sex digit and dates are checked;
- a size limit names the count that was over it.
"""

import datetime
import os
import tempfile

import msgpack

from harness import (Clock, Org, RawSocket, STEP_FIELDS, System, approve_chain, awaiting,
                     decode_body, import_rows, make_nip, ok, staffed, submit_body, wait_until,
                     weekly_monday, workdays)

# Every route of every service and the fields it accepts besides v, id, lang, as: what the
# route tables say (wfa_route_t.fields), restated here so that a change to either is seen.
ROUTE_FIELDS = {
    "KEYS.ALLOW": "key principal action",
    "EMPLOYEE.IMPORT": "key rows dry_run",
    "EMPLOYEE.GET": "nip",
    "REQUEST.SUBMIT": "key kind time_kind dates location reason plan schedule",
    "REQUEST.RESUBMIT": "key request_id kind time_kind dates location reason plan schedule",
    "REQUEST.CANCEL": "key request_id reason from",
    "REQUEST.REVOKE": "key request_id reason from",
    "REQUEST.GET": "request_id",
    "EMPLOYEE.LIST": "pemda opd include_inactive limit cursor",
    "EMPLOYEE.DEACTIVATE": "key nip reason from note",
    "EMPLOYEE.REACTIVATE": "key nip note",
    "SCHEDULE.GET": "pemda opd date limit cursor",
    "REQUEST.LIST": "pemda opd nip state limit cursor changed_since",
    "POLICY.SET": "key pemda text",
    "POLICY.GET": "pemda",
    "CALENDAR.SET": "key pemda days",
    "CALENDAR.GET": "pemda",
    "TOKEN.CREATE": "key pemda role name expires_days",
    "TOKEN.LIST": "pemda limit cursor",
    "TOKEN.REVOKE": "key pemda token_id",
    "WEBHOOK.ADD": "key pemda url types",
    "WEBHOOK.LIST": "pemda limit cursor",
    "WEBHOOK.REMOVE": "key pemda webhook_id",
    "WEBHOOK.REPLAY": "key pemda webhook_id event_id from to",
    "WEBHOOK.RESUME": "key pemda webhook_id",
    "IDP.SET": "key pemda issuer audience nip_claim jwks jwks_uri",
    "IDP.GET": "pemda",
    "AUDIT.REQUEST": "request_id",
    "AUDIT.VERIFY": "pemda",
    "APPROVAL.DECIDE": "key request_id decision note tasks_fit targets_measurable "
                       "service_continues capacity_ok",
    "APPROVAL.LIST": "limit cursor",
    "APPROVAL.DECIDE_MANY": "key items",
    "APPROVAL.DELEGATE": "key approver to from until order_ref reason withdraw",
    "INBOX.LIST": "limit cursor unread",
    "INBOX.READ": "key entry_ids all",
    "PREFS.GET": "",
    "PREFS.SET": "key email",
    "METRICS.GET": "pemda opd from to",
    "CHECKIN.IN": "key lat lon",
    "CHECKIN.OUT": "key lat lon",
    "REPORT.SUBMIT": "key date activities",
    "REPORT.VERIFY": "key nip date decision note",
    "REPORT.LIST": "limit cursor",
    "REPORT.GET": "nip date",
    "EKINERJA.PUSH": "key source items",
    "EKINERJA.GET": "nip limit cursor",
    "MONEV.GET": "pemda opd nip from to by",
    "MONEV.REPORT": "pemda opd period",
    "MONEV.REBUILD": "key pemda apply",
}


def P(obj):
    return msgpack.packb(obj, use_bin_type=True)


def strict(got):
    """The reply map of raw reply frames, decoded strictly (every str UTF-8)."""
    assert got is not None, "no reply"
    frames = got[0] if isinstance(got, tuple) else got
    assert len(frames) == 2, frames
    return msgpack.unpackb(frames[1], raw=False)


def nip_ok(nip):
    """wfa_nip_valid, restated: birth date, appointment month at 18 to 60, sex digit."""
    try:
        born = datetime.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return False
    year, month = int(nip[8:12]), int(nip[12:14])
    age = year * 12 + month - (born.year * 12 + born.month)
    return (len(nip) == 18 and nip.isdigit() and 1 <= month <= 12 and 18 * 12 <= age <= 60 * 12
            and nip[14] in "12")


def test_broker_errors_carry_the_id_and_bad_ids_are_refused():
    with System(verbose=False) as system:
        with RawSocket(system.frontend) as raw:
            # Too large: the id and lang come first, so the broker reads them cheaply
            big = P({"v": 1, "id": "big-1", "lang": "en", "rows": ["x" * 4000] * 300})
            assert len(big) > 1 << 20
            reply = strict(raw.exchange([b"EMPLOYEE.IMPORT", big]))
            assert reply["code"] == "TOO_LARGE" and reply["id"] == "big-1", reply
            assert reply["message"] == "Size over the limit: %d > 1048576 bytes" % len(big), reply
            # An int id too; after a container the id is not looked for (documented)
            reply = strict(raw.exchange([b"EMPLOYEE.IMPORT", P({"id": 77, "v": 1, "pad": "x" * 4000})
                                         + b"\x00" * (1 << 20)]))
            assert reply["code"] == "TOO_LARGE" and reply["id"] == 77, reply
            late = P({"v": 1, "rows": [1], "id": "late"}) + b"\x00" * (1 << 20)
            reply = strict(raw.exchange([b"EMPLOYEE.IMPORT", late]))
            assert reply["code"] == "TOO_LARGE" and "id" not in reply, reply
            # A container over the item limit names its field and count
            reply = strict(raw.exchange([b"EMPLOYEE.IMPORT", P({"v": 1, "id": "n", "rows": [0] * 1100})]))
            assert reply["code"] == "TOO_LARGE" and reply["id"] == "n", reply
            assert reply["message"].endswith(": rows: 1100 > 1024 items"), reply
            # Three frames, a body cut short, an unknown command: the id comes back
            reply = strict(raw.exchange([b"REQUEST.GET", P({"v": 1, "id": "f3"}), b"extra"]))
            assert reply["code"] == "BAD_FRAME" and reply["id"] == "f3", reply
            cut = P({"v": 1, "id": "cut", "request_id": "REQ-35.08-000001"})[:-4]
            reply = strict(raw.exchange([b"REQUEST.GET", cut]))
            assert reply["code"] == "BAD_MSGPACK" and reply["id"] == "cut", reply
            reply = strict(raw.exchange([b"NOPE.X", P({"v": 1, "id": "u1"})]))
            assert reply["code"] == "UNKNOWN_COMMAND" and reply["id"] == "u1", reply
            # Ids that are not a short valid str or an int: BAD_ID, never echoed, from the
            # broker and from a worker alike; every reply strictly UTF-8
            for bad in ("x" * 65, "", b"\xff\xfe", {"a": 1}, [1], True, 1.5, "tab\there"):
                for command in (b"NOPE.X", b"REQUEST.GET", b"SYSTEM.PING"):
                    body = {"v": 1, "id": bad, "request_id": "REQ-35.08-000001"}
                    if command != b"REQUEST.GET":
                        body.pop("request_id")
                    raw_body = P(body)
                    if isinstance(bad, bytes):   # a str that is not UTF-8
                        raw_body = raw_body.replace(b"\xc4\x02\xff\xfe", b"\xa2\xff\xfe")
                    reply = strict(raw.exchange([command, raw_body]))
                    assert reply["code"] == "BAD_ID" and reply["field"] == "id", (bad, command, reply)
                    assert "id" not in reply, reply
            # A 64-byte str and a negative int are fine ids
            reply = strict(raw.exchange([b"SYSTEM.PING", P({"v": 1, "id": "é" * 32})]))
            assert reply["code"] == "OK" and reply["id"] == "é" * 32, reply
            reply = strict(raw.exchange([b"SYSTEM.PING", P({"v": 1, "id": -5})]))
            assert reply["code"] == "OK" and reply["id"] == -5, reply
            # An unknown lang is an error (not Indonesian by default)
            for lang, code in (("fr", "BAD_VALUE"), (1, "WRONG_TYPE"), ("", "BAD_VALUE")):
                for command in (b"SYSTEM.PING", b"REQUEST.GET"):
                    reply = strict(raw.exchange([command, P({"v": 1, "id": "l", "lang": lang})]))
                    assert reply["code"] == code and reply["field"] == "lang", (command, reply)
            reply = strict(raw.exchange([b"NOPE.X", P({"v": 1, "lang": "EN"})]))
            assert reply["message"] == "Unknown command: NOPE.X", reply
        # A service with no live worker: SERVICE_UNAVAILABLE with the id
        system.kill9("metrics")
        with RawSocket(system.frontend) as raw:
            def gone():
                reply = strict(raw.exchange([b"METRICS.GET", P({"v": 1, "id": "m1", "pemda": "35.08"})]))
                return reply if reply["code"] == "SERVICE_UNAVAILABLE" else None
            reply = wait_until("the broker to forget the metrics worker", gone, 15)
            assert reply["id"] == "m1", reply


def test_unknown_fields_are_refused_at_every_route_and_inside_maps():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=2))
        staff = org.staff[0]["nip"]
        # Every route: an unknown field is BAD_FIELD before anything else (even before a
        # missing required field), naming it; all unknown ones listed
        for command in ROUTE_FIELDS:
            reply = client.call(command, {"as": staff, "zzz": 1, "nipp": "x"})
            assert reply["code"] == "BAD_FIELD" and reply["field"] == "zzz", (command, reply)
            assert [e["field"] for e in reply["errors"]] == ["zzz", "nipp"], (command, reply)
            # ... and each field the route names is accepted (whatever else goes wrong)
            for field in ROUTE_FIELDS[command].split():
                reply = client.call(command, {"as": staff, field: None})
                assert reply["code"] != "BAD_FIELD", (command, field, reply)
        # A key where the command takes none
        reply = client.call("REQUEST.GET", {"key": "k", "request_id": "REQ-35.08-000001"})
        assert (reply["code"], reply["field"]) == ("BAD_FIELD", "key"), reply
        # Inside the maps of a call: import rows, schedule entries, calendar days,
        # DECIDE_MANY items, report activities, e-kinerja items; each with its index
        row = dict(org.rows[1], nipp="x")
        reply = client.call("EMPLOYEE.IMPORT", {"key": "bf", "rows": [org.rows[0], row]})
        assert reply["code"] == "IMPORT_INVALID", reply
        assert {(e["code"], e.get("field"), e.get("index")) for e in reply["errors"]} == \
            {("BAD_FIELD", "nipp", 1)}, reply
        dates = workdays(1)
        reply = client.call("REQUEST.SUBMIT", dict(submit_body(staff, dates, "bf1", kind="sif"),
                            schedule=[{"date": dates[0], "start": "08:00", "end": "16:00", "brk": 1}]))
        assert ("BAD_FIELD", "brk", 0) in {(e["code"], e.get("field"), e.get("index"))
                                           for e in reply["errors"]}, reply
        reply = client.call("CALENDAR.SET", {"key": "bf2", "pemda": org.pemda, "as": org.sekda["nip"],
                                             "days": [{"date": "2099-01-01", "kind": "nasional",
                                                       "name": "Tahun Baru", "when": "x"}]})
        assert (reply["code"], reply["field"], reply["errors"][0]["index"]) == ("BAD_FIELD", "when", 1), reply
        reply = client.call("APPROVAL.DECIDE_MANY", {"key": "bf3", "as": org.supervisors[0]["nip"],
                                                     "items": [{"request_id": "REQ-35.08-000001",
                                                                "decision": "approve", "ok": True}]})
        assert (reply["code"], reply["field"], reply["errors"][0]["index"]) == ("BAD_FIELD", "ok", 0), reply
        reply = client.call("REPORT.SUBMIT", {"key": "bf4", "as": staff, "activities": [
            {"activity": "A", "output": "B", "quantity": 1, "rhk": "RHK-1", "hours": 2}]})
        assert ("BAD_FIELD", "hours", 0) in {(e["code"], e.get("field"), e.get("index"))
                                             for e in reply["errors"]}, reply
        reply = client.call("EKINERJA.PUSH", {"as": org.sekda["nip"], "source": "s", "items": [
            {"id": "1", "type": "log", "nip": staff, "date": "2026-01-05", "rhk": "R", "quantity": 1,
             "unit": "x"}]})
        assert ("BAD_FIELD", "unit", 0) in {(e["code"], e.get("field"), e.get("index"))
                                            for e in reply["errors"]}, reply
        # A value that is not UTF-8 inside a map is BAD_VALUE there (never echoed later)
        with RawSocket(system.frontend) as raw:
            for command, body, field in (
                    ("EMPLOYEE.IMPORT", {"v": 1, "key": "u8", "as": org.sekda["nip"],
                                         "rows": [dict(org.rows[1], home="ZZ")]}, "home"),
                    ("EKINERJA.PUSH", {"v": 1, "as": org.sekda["nip"], "source": "s", "items": [
                        {"id": "1", "type": "log", "nip": staff, "date": "2026-01-05", "rhk": "ZZ",
                         "quantity": 1}]}, "rhk")):
                frame = P(body).replace(b"\xa2ZZ", b"\xa2\xff\xfe")
                reply = strict(raw.exchange([command.encode(), frame]))
                assert ("BAD_VALUE", field, 0) in {(e["code"], e.get("field"), e.get("index"))
                                                   for e in reply["errors"]}, (command, reply)
        # A field given twice (msgpack allows it, a dict cannot say it)
        twice = b"\x83\xa1v\x01\xaarequest_id\xa1x\xaarequest_id\xa1y"
        with RawSocket(system.frontend) as raw:
            reply = strict(raw.exchange([b"REQUEST.GET", twice]))
            assert (reply["code"], reply["field"]) == ("BAD_FIELD", "request_id"), reply
            # A field name that is not printable UTF-8 is described, not echoed
            reply = strict(raw.exchange([b"REQUEST.GET", b"\x82\xa1v\x01\xa2\xff\x01\x01"]))
            assert reply["code"] == "BAD_FIELD" and "field" not in reply, reply
            assert reply["message"].endswith("#2 (not 1-64 printable UTF-8 bytes)"), reply
        # Unknown filter values: a state, a decision, an OPD of nobody
        reply = client.call("REQUEST.LIST", {"as": org.sekda["nip"], "state": "bogus"})
        assert (reply["code"], reply["field"]) == ("BAD_VALUE", "state"), reply
        reply = client.call("APPROVAL.DECIDE", {"key": "d", "as": org.supervisors[0]["nip"],
                                                "request_id": "REQ-35.08-000001", "decision": "maybe"})
        assert (reply["code"], reply["field"]) == ("BAD_VALUE", "decision"), reply
        for command, extra in (("REQUEST.LIST", {}), ("METRICS.GET", {"pemda": org.pemda}),
                               ("EMPLOYEE.LIST", {}), ("SCHEDULE.GET", {"date": dates[0]}),
                               ("MONEV.GET", {"pemda": org.pemda, "from": "2026-01-01",
                                              "to": "2026-01-31"})):
            reply = client.call(command, dict(extra, **{"as": org.sekda["nip"], "opd": "DINKEZ"}))
            assert (reply["code"], reply["field"]) == ("NOT_FOUND", "opd"), (command, reply)
            ok(client.call(command, dict(extra, **{"as": org.sekda["nip"], "opd": "DINKES"})), command)


def test_a_key_reused_with_another_body_is_refused_in_every_command():
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-surprises-"), "clock"))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=3))
        staff = [row["nip"] for row in org.staff]
        atasan, kepala, sekda = org.supervisors[0]["nip"], org.kepala["DINKES"]["nip"], org.sekda["nip"]

        def same_then_other(command, body, other, what=None):
            """The first call ok; the same fields in another order get the same answer; the
            key with another body IDEMPOTENCY_MISMATCH (field key), changing nothing."""
            first = ok(client.call(command, body), what or command)
            shuffled = dict(reversed(list(body.items())))
            again = ok(client.call(command, shuffled), what or command)
            data = {k: v for k, v in first.items() if k != "id"}
            assert {k: v for k, v in again.items() if k != "id"} == data, (first, again)
            reply = client.call(command, dict(body, **other))
            assert (reply["code"], reply.get("field")) == ("IDEMPOTENCY_MISMATCH", "key"), (command, reply)
            return first

        rows = [dict(org.rows[-1], name="Petugas BKD Baru")]
        same_then_other("EMPLOYEE.IMPORT", {"key": "imp", "rows": rows},
                        {"rows": [dict(rows[0], name="Lain")]})
        dates = workdays(2)
        first = same_then_other("REQUEST.SUBMIT", submit_body(staff[0], dates[:1], "sub"),
                                {"reason": "Alasan lain"})
        rid = first["request_id"]
        awaiting(client, rid)
        # An item of DECIDE_MANY goes as an APPROVAL.DECIDE of its request under the call's key
        same_then_other("APPROVAL.DECIDE", dict({"key": "dec", "as": atasan, "request_id": rid,
                                                 "decision": "return", "note": "Perbaiki"}),
                        {"note": "Lain"})
        same_then_other("REQUEST.RESUBMIT", dict(submit_body(staff[0], dates[:1], "resub"), request_id=rid),
                        {"location": "Rumah lain"})
        same_then_other("REQUEST.CANCEL", {"key": "can", "as": staff[0], "request_id": rid}, {"reason": "x"})
        second = ok(client.call("REQUEST.SUBMIT", submit_body(staff[1], dates[:1], "sub2")))["request_id"]
        awaiting(client, second)
        many = {"key": "many", "as": atasan,
                "items": [dict({"request_id": second, "decision": "approve"}, **STEP_FIELDS["atasan"])]}
        first = ok(client.call("APPROVAL.DECIDE_MANY", many))
        assert first["done"] == 1, first
        # The call has its own record: the key with other items is refused whole
        reply = client.call("APPROVAL.DECIDE_MANY", dict(many, items=[
            dict(many["items"][0], decision="reject", note="Tidak")]))
        assert (reply["code"], reply.get("field")) == ("IDEMPOTENCY_MISMATCH", "key"), reply
        # An item under a key an APPROVAL.DECIDE of the same request used with another body
        reply = ok(client.call("APPROVAL.DECIDE_MANY", {"key": "dec", "as": atasan, "items": [
            {"request_id": rid, "decision": "reject", "note": "Tidak"}]}))
        assert decode_result(reply["results"][0])["code"] == "IDEMPOTENCY_MISMATCH", reply
        approve_chain(client, second)
        same_then_other("REQUEST.REVOKE", {"key": "rev", "as": kepala, "request_id": second,
                                           "reason": "Kebutuhan dinas"}, {"reason": "Lain"})
        policy = ok(client.call("POLICY.GET", {"as": sekda, "pemda": org.pemda}))["text"]
        same_then_other("POLICY.SET", {"key": "pol", "as": sekda, "pemda": org.pemda, "text": policy},
                        {"text": policy + "\n# a comment\n"})
        days = [{"date": "2099-01-01", "kind": "nasional", "name": "Tahun Baru"}]
        same_then_other("CALENDAR.SET", {"key": "cal", "as": sekda, "pemda": org.pemda, "days": days},
                        {"days": [dict(days[0], name="Lain")]})
        same_then_other("APPROVAL.DELEGATE", {"key": "del", "as": kepala, "approver": atasan,
                                              "to": staff[2], "from": dates[0], "until": dates[1],
                                              "order_ref": "800/1/2026"}, {"order_ref": "800/2/2026"})
        same_then_other("EKINERJA.PUSH", {"key": "ek", "as": sekda, "source": "s", "items": [
            {"id": "t1", "type": "target", "nip": staff[2], "period": "2026-01", "rhk": "RHK-1",
             "quantity": 10}]}, {"source": "t"})
        leaver = org.staff[1]["nip"]
        same_then_other("EMPLOYEE.DEACTIVATE", {"key": "off", "as": sekda, "nip": leaver, "reason": "pindah"},
                        {"note": "Lain"})
        same_then_other("EMPLOYEE.REACTIVATE", {"key": "on", "as": sekda, "nip": leaver}, {"note": "Lain"})
        # The gateway's credentials: a token made again answers its id without its secret
        # (shown once), so its retry is checked in test_tokens; revoke and IdP as the rest
        made = ok(client.call("TOKEN.CREATE", {"key": "tok", "as": sekda, "pemda": org.pemda,
                                               "role": "integrator", "name": "simpeg"}))
        reply = client.call("TOKEN.CREATE", {"key": "tok", "as": sekda, "pemda": org.pemda,
                                             "role": "integrator", "name": "ekinerja"})
        assert (reply["code"], reply.get("field")) == ("IDEMPOTENCY_MISMATCH", "key"), reply
        same_then_other("TOKEN.REVOKE", {"key": "untok", "as": sekda, "pemda": org.pemda,
                                         "token_id": made["token_id"]}, {"token_id": "0" * 16})
        same_then_other("IDP.SET", {"key": "idp", "as": sekda, "pemda": org.pemda, "issuer": "https://sso.test/s",
                                    "audience": "fleksi", "jwks_uri": "https://sso.test/s/certs"},
                        {"audience": "lain"})
        # The monev records of an approved flexible day: check in and out, the daily report
        # and its verification
        third = ok(client.call("REQUEST.SUBMIT", submit_body(staff[2], dates[1:], "sub3")))["request_id"]
        approve_chain(client, third)
        clock.set(datetime.date.fromisoformat(dates[1]), 7, 45)
        same_then_other("CHECKIN.IN", {"key": "in", "as": staff[2]}, {"lat": -8.1, "lon": 113.2})
        same_then_other("CHECKIN.OUT", {"key": "out", "as": staff[2]}, {"lat": -8.1, "lon": 113.2})
        activities = [{"activity": "Menyusun laporan", "output": "Dokumen", "quantity": 2, "rhk": "RHK-1"}]
        same_then_other("REPORT.SUBMIT", {"key": "rep", "as": staff[2], "activities": activities},
                        {"activities": [dict(activities[0], quantity=3)]})
        same_then_other("REPORT.VERIFY", {"key": "ver", "as": atasan, "nip": staff[2], "date": dates[1],
                                          "decision": "accept"}, {"note": "Baik"})


def test_decide_many_has_one_record_per_call_and_a_reordered_retry_gets_its_answers():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=3))
        atasan = org.supervisors[0]["nip"]
        a, b, c = (ok(client.call("REQUEST.SUBMIT", submit_body(row["nip"], [weekly_monday(1)], "s")))
                   ["request_id"] for row in org.staff)
        for rid in (a, b, c):
            awaiting(client, rid)

        def item(rid):
            return dict({"request_id": rid, "decision": "approve"}, **STEP_FIELDS["atasan"])

        assert ok(client.call("APPROVAL.DECIDE_MANY", {"key": "k", "as": atasan, "items": [item(a)]}))["done"] == 1
        # The same key with another request: refused, the request still awaits the atasan
        reply = client.call("APPROVAL.DECIDE_MANY", {"key": "k", "as": atasan, "items": [item(b)]})
        assert (reply["code"], reply.get("field")) == ("IDEMPOTENCY_MISMATCH", "key"), reply
        held = ok(client.call("REQUEST.GET", {"request_id": b}))["request"]
        assert (held["state"], held["step"]) == ("pending", 1), held
        # A retry listing the items in another order gets each item's first answer
        first = ok(client.call("APPROVAL.DECIDE_MANY", {"key": "k2", "as": atasan, "items": [item(b), item(c)]}))
        again = ok(client.call("APPROVAL.DECIDE_MANY", {"key": "k2", "as": atasan, "items": [item(c), item(b)]}))
        assert first["done"] == again["done"] == 2, (first, again)

        def answers(reply):
            return {r["request_id"]: (r["status"], r["state"]) for r in map(decode_result, reply["results"])}
        assert answers(first) == answers(again) == {b: ("ok", "pending"), c: ("ok", "pending")}, (first, again)


def decode_result(blob):
    return msgpack.unpackb(blob, raw=False) if isinstance(blob, bytes) else blob


def test_no_oracle_a_nip_out_of_reach_reads_as_one_on_record_nowhere():
    with System(verbose=False) as system:
        here = Org(pemda="35.08", opds=("DINKES", "DISDIK"), supervisors=1, staff=1)
        there = Org(pemda="35.09", opds=("DINKES",), supervisors=1, staff=1, base=500)
        client = system.client()
        import_rows(client, here.rows + there.rows)
        reader = here.staff[0]["nip"]          # a pegawai: reaches their own records only
        elsewhere = here.staff[1]["nip"]       # on record, in another OPD of the same pemda
        abroad = there.staff[0]["nip"]         # on record in another pemda
        nowhere = here.unknown_nip()
        calls = [("EMPLOYEE.GET", {}), ("REPORT.GET", {"date": "2026-01-05"}),
                 ("MONEV.GET", {"from": "2026-01-01", "to": "2026-01-31"}),
                 ("REQUEST.LIST", {}), ("EKINERJA.GET", {})]
        # Wider readers: a BKD officer reaches their pemda, a kepala OPD their OPD; the
        # employee abroad is in an OPD of the same name (DINKES) as the kepala's
        bkd, kepala = here.bkd["nip"], here.kepala["DINKES"]["nip"]
        readers = [(reader, (elsewhere, abroad, nowhere)), (bkd, (abroad, nowhere)),
                   (kepala, (elsewhere, abroad, nowhere))]
        for command, extra in calls:
            for who, out_of_reach in readers:
                shapes = []
                for nip in out_of_reach:
                    reply = client.call(command, dict(extra, **{"as": who, "nip": nip}))
                    assert (reply["code"], reply["field"]) == ("NOT_FOUND", "nip"), (command, who, nip, reply)
                    shape = {k: v for k, v in reply.items() if k != "id"}
                    shapes.append(repr(shape).replace(nip, "NIP"))
                assert len(set(shapes)) == 1, (command, who, shapes)
                # The reader's own NIP is within reach
                reply = client.call(command, dict(extra, **{"as": who, "nip": who}))
                assert reply["code"] != "NOT_FOUND" or reply.get("field") != "nip", (command, who, reply)


def test_nip_structure_is_checked_and_the_harness_makes_valid_ones():
    good = "198609262015051001"
    bad = {"month 00": "198609262015001001", "month 13": "198609262015131001",
           "sex 3": "198609262015053001", "sex 0": "198609262015050001",
           "before birth": "198609261985051001", "at 17": "198609262004081001",
           "past 60": "198609262046101001", "birth 13th month": "198613262015051001"}
    assert nip_ok(good) and not any(nip_ok(n) for n in bad.values())
    for n in list(range(0, 30000, 7)) + list(range(2_590_000, 10_000_000, 9973)):
        assert nip_ok(make_nip(n)), (n, make_nip(n))
    for path in ("deploy/demo",):
        folder = os.path.join(os.path.dirname(__file__), "..", "..", path)
        for name in os.listdir(folder):
            if name.endswith(".csv"):
                with open(os.path.join(folder, name)) as f:
                    for line in f:
                        for cell in line.strip().split(","):
                            if len(cell) == 18 and cell.isdigit():
                                assert nip_ok(cell), (name, cell)
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=1))
        rows = [dict(org.rows[0], nip=nip) for nip in bad.values()]
        reply = client.call("EMPLOYEE.IMPORT", {"key": "nips", "rows": rows})
        assert reply["code"] == "IMPORT_INVALID", reply
        assert {(e["index"], e["code"]) for e in reply["errors"]} == \
            {(i, "BAD_NIP") for i in range(len(rows))}, reply
        for nip in bad.values():
            reply = client.call("EMPLOYEE.GET", {"as": org.sekda["nip"], "nip": nip})
            assert (reply["code"], reply["field"]) == ("BAD_NIP", "nip"), (nip, reply)
        # A supervisor's NIP and a list filter are held to the same rules
        reply = client.call("EMPLOYEE.IMPORT", {"key": "sup", "rows": [
            dict(org.rows[1], supervisor_nip=bad["sex 3"])]})
        assert ("BAD_NIP", "supervisor_nip") in {(e["code"], e.get("field")) for e in reply["errors"]}, reply
        reply = client.call("REQUEST.LIST", {"as": org.sekda["nip"], "nip": bad["month 13"]})
        assert (reply["code"], reply["field"]) == ("BAD_NIP", "nip"), reply


def test_size_limits_name_the_count():
    with System(verbose=False) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=1))
        rows = [dict(org.rows[0])] * 1001
        reply = client.call("EMPLOYEE.IMPORT", {"key": "many", "rows": rows}, timeout=10)
        assert (reply["code"], reply["field"]) == ("TOO_LARGE", "rows"), reply
        assert reply["message"] == "Ukuran melebihi batas: rows: 1001 > 1000 items", reply
        reply = client.call("REQUEST.SUBMIT", dict(submit_body(org.staff[0]["nip"], workdays(1), "long"),
                                                   reason="x" * 2001))
        assert "Ukuran melebihi batas: reason: 2001 > 2000 bytes" in \
            [e["message"] for e in reply["errors"]], reply
