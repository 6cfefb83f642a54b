"""The vertical slice: import -> submit -> approval.pending -> decide (the atasan, the
kepala OPD, the BKD) -> inbox -> metrics."""

from harness import (REQUEST_ID_RE, STEP_FIELDS, Org, System, error_codes, future_weekend,
                     import_rows, ok, past_workday, submit_body, today_wib, wait_until, workdays)

PEMDA = "35.08"


def setup(system):
    """A client and an imported org: 3 OPDs, 2 atasan each, 3 staff per atasan."""
    client = system.client()
    org = Org(pemda=PEMDA, opds=("DINKES", "DISDIK", "BAPPEDA"), supervisors=2, staff=3)
    import_rows(client, org.rows)
    return client, org


def inbox(client, nip):
    return ok(client.call("INBOX.LIST", {"as": nip, "limit": 1000}), "INBOX.LIST")["entries"]


def wait_inbox_entry(client, nip, request_id, typ, timeout=15):
    def found():
        return [e for e in inbox(client, nip) if e["request_id"] == request_id and e["type"] == typ]
    return wait_until("%s entry for %s in the inbox of %s" % (typ, request_id, nip), found, timeout)


def wait_pending(client, approver, request_id, timeout=15):
    def listed():
        reply = ok(client.call("APPROVAL.LIST", {"as": approver, "limit": 1000}), "APPROVAL.LIST")
        return [r for r in reply["requests"] if r["request_id"] == request_id]
    return wait_until("%s in APPROVAL.LIST of %s" % (request_id, approver), listed, timeout)[0]


def metrics(client, **scope):
    body = {"pemda": PEMDA}
    body.update(scope)
    reply = ok(client.call("METRICS.GET", body), "METRICS.GET")
    return {k: reply[k] for k in ("submitted", "approved", "rejected", "pending")}, reply


def wait_metrics(client, want, **scope):
    last = []

    def equal():
        got, reply = metrics(client, **scope)
        last[:] = [got]
        return got == want and reply
    try:
        return wait_until("metrics %r" % want, equal, 15, 0.1)
    except AssertionError:
        raise AssertionError("METRICS.GET %r: got %r, expected %r" % (scope, last, want))


def test_flow_vertical_slice():
    with System() as system:
        client, org = setup(system)

        # Import is an upsert: the same rows again update, create nothing.
        again = ok(client.call("EMPLOYEE.IMPORT", {"key": "import-again", "rows": org.rows}))
        assert (again["imported"], again["created"], again["updated"]) == (len(org.rows), 0, len(org.rows)), again
        alice, bob, carol = org.staff[0], org.staff[4], org.staff[6]   # DINKES, DINKES, DISDIK
        got = ok(client.call("EMPLOYEE.GET", {"nip": alice["nip"]}))["employee"]
        for field in ("nip", "name", "pemda", "opd", "position", "supervisor_nip", "roles"):
            assert got[field] == alice[field], (field, got, alice)

        # Submit: three requests.
        dates = workdays(2)
        r1 = ok(client.call("REQUEST.SUBMIT", submit_body(alice["nip"], dates, "flow-1",
                                                          plan=["Menyusun laporan", "Rapat daring"])))
        assert REQUEST_ID_RE.match(r1["request_id"]) and r1["request_id"].startswith("REQ-35.08-"), r1
        # The chain opens in the same step: pending at step 1, its approver named
        assert (r1["state"], r1["step"], r1["approver"]) == ("pending", 1, alice["supervisor_nip"]), r1
        r2 = ok(client.call("REQUEST.SUBMIT", submit_body(bob["nip"], workdays(1, skip=3), "flow-2",
                                                          kind="kantor_lain", location="Kantor Kecamatan")))
        r3 = ok(client.call("REQUEST.SUBMIT", submit_body(carol["nip"], workdays(1, skip=5), "flow-3",
                                                          kind="lokasi_lain", location="Puskesmas")))
        id1, id2, id3 = r1["request_id"], r2["request_id"], r3["request_id"]
        assert len({id1, id2, id3}) == 3

        # approval.pending reaches the approver: APPROVAL.LIST and the inbox.
        a1, a2, a3 = alice["supervisor_nip"], bob["supervisor_nip"], carol["supervisor_nip"]
        listed = wait_pending(client, a1, id1)
        assert listed["nip"] == alice["nip"] and listed["dates"] == dates, listed
        wait_pending(client, a2, id2)
        wait_pending(client, a3, id3)
        entry = wait_inbox_entry(client, a1, id1, "approval.pending")[0]
        assert entry["message_id"] and entry["message_en"] and entry["message_id"] != entry["message_en"], entry
        pending_request = ok(client.call("REQUEST.GET", {"request_id": id1}))["request"]
        assert pending_request["state"] == "pending", pending_request
        assert pending_request["approver"] == a1, pending_request

        # Someone else may not decide; the employee may not decide their own request.
        for intruder in (a3, alice["nip"], org.kepala["DINKES"]["nip"]):
            reply = client.call("APPROVAL.DECIDE", {"key": "intrude-%s" % intruder, "as": intruder,
                                                    "request_id": id1, "decision": "approve"})
            assert reply["status"] == "error" and reply["code"] == "NOT_YOUR_DECISION", reply

        # Approve r1 at each step of the chain, reject r2, leave r3 pending.
        kepala, bkd = org.kepala["DINKES"]["nip"], org.bkd["nip"]
        for key, approver, role in (("dec-1a", a1, "atasan"), ("dec-1k", kepala, "kepala_opd")):
            body = {"key": key, "as": approver, "request_id": id1, "decision": "approve",
                    "note": "Setuju %s" % role}
            body.update(STEP_FIELDS[role])
            assert ok(client.call("APPROVAL.DECIDE", body))["state"] == "pending"
            wait_pending(client, {"atasan": kepala, "kepala_opd": bkd}[role], id1)
        d1 = ok(client.call("APPROVAL.DECIDE", {"key": "dec-1", "as": bkd, "request_id": id1,
                                                "decision": "approve", "note": "Silakan"}))
        assert (d1["request_id"], d1["state"]) == (id1, "approved"), d1
        number = "000001/WFA/%s/%d" % (PEMDA, today_wib().year)
        assert d1["approval_number"] == number, d1
        d2 = ok(client.call("APPROVAL.DECIDE", {"key": "dec-2", "as": a2, "request_id": id2,
                                                "decision": "reject", "note": "Ada rapat"}))
        assert (d2["request_id"], d2["state"]) == (id2, "rejected"), d2

        # Deciding again with another key: NOT_PENDING. Same key: the same answer.
        again = client.call("APPROVAL.DECIDE", {"key": "dec-1-other", "as": bkd, "request_id": id1,
                                                "decision": "reject"})
        assert again["status"] == "error" and again["code"] == "NOT_PENDING", again
        retry = ok(client.call("APPROVAL.DECIDE", {"key": "dec-1", "as": bkd, "request_id": id1,
                                                   "decision": "approve", "note": "Silakan"}))
        assert (retry["request_id"], retry["state"], retry["approval_number"]) == \
            (id1, "approved", number), retry
        missing = client.call("APPROVAL.DECIDE", {"key": "dec-x", "as": a1,
                                                  "request_id": "REQ-35.08-999999", "decision": "approve"})
        assert missing["status"] == "error" and missing["code"] == "NOT_FOUND", missing
        bad = client.call("APPROVAL.DECIDE", {"key": "dec-3", "as": a3, "request_id": id3,
                                              "decision": "maybe"})
        assert bad["status"] == "error" and bad["code"] == "BAD_VALUE", bad

        # The employees' inboxes get the decisions.
        e1 = wait_inbox_entry(client, alice["nip"], id1, "request.approved")
        e2 = wait_inbox_entry(client, bob["nip"], id2, "request.rejected")
        assert len(e1) == 1 and len(e2) == 1, (e1, e2)
        assert "Silakan" in e1[0]["message_id"] and "Ada rapat" in e2[0]["message_en"], (e1, e2)
        assert not [e for e in inbox(client, carol["nip"]) if e["type"] != "approval.pending"]

        # REQUEST.GET: state and history.
        req = ok(client.call("REQUEST.GET", {"request_id": id1}))["request"]
        assert req["state"] == "approved" and req["decided_by"] == bkd and req["note"] == "Silakan", req
        assert req["approval_number"] == number, req
        assert (req["nip"], req["opd"], req["pemda"], req["kind"]) == (alice["nip"], "DINKES", PEMDA, "rumah"), req
        assert req["dates"] == dates and req["plan"] == ["Menyusun laporan", "Rapat daring"], req
        assert req["name"] == alice["name"] and req["approver"] == bkd, req
        assert req["decided_at"] >= req["submitted_at"] > 0, req
        history = req["history"]
        assert [h["to"] for h in history] == ["submitted", "pending", "pending", "pending",
                                              "approved"], history
        assert [h["actor"] for h in history] == [alice["nip"], "system", a1, kepala, bkd], history
        assert history[-1]["note"] == "[nomor persetujuan %s] Silakan" % number, history
        assert [h["at"] for h in history] == sorted(h["at"] for h in history), history
        for h in history:
            assert set(h) >= {"at", "actor", "action", "from", "to", "note"}, h
        req2 = ok(client.call("REQUEST.GET", {"request_id": id2}))["request"]
        assert req2["state"] == "rejected" and req2["history"][-1]["to"] == "rejected", req2
        nf = client.call("REQUEST.GET", {"request_id": "REQ-35.08-999999"})
        assert nf["status"] == "error" and nf["code"] == "NOT_FOUND", nf

        # REQUEST.LIST and its filters.
        def listed(**filters):
            body = {"pemda": PEMDA}
            body.update(filters)
            reply = ok(client.call("REQUEST.LIST", body), "REQUEST.LIST %r" % filters)
            assert reply["count"] == len(reply["requests"]), reply
            for r in reply["requests"]:
                assert "history" not in r, r
            return [r["request_id"] for r in reply["requests"]]

        assert listed() == [id3, id2, id1], "newest first"
        assert listed(opd="DINKES") == [id2, id1]
        assert listed(opd="DISDIK") == [id3]
        assert listed(opd="BAPPEDA") == []
        assert listed(nip=bob["nip"]) == [id2]
        assert listed(state="approved") == [id1]
        assert listed(state="rejected") == [id2]
        assert listed(state="pending") == [id3]
        assert listed(opd="DINKES", state="pending") == []
        assert listed(limit=1) == [id3]

        # METRICS.GET counts, for the pemda and per OPD.
        reply = wait_metrics(client, {"submitted": 3, "approved": 1, "rejected": 1, "pending": 1})
        assert reply["lead_time"]["count"] == 2, reply
        days = reply["days"]
        assert sum(d["submitted"] for d in days) == 3, days
        assert sum(d["approved"] for d in days) == 1 and sum(d["rejected"] for d in days) == 1, days
        wait_metrics(client, {"submitted": 2, "approved": 1, "rejected": 1, "pending": 0}, opd="DINKES")
        wait_metrics(client, {"submitted": 1, "approved": 0, "rejected": 0, "pending": 1}, opd="DISDIK")
        wait_metrics(client, {"submitted": 0, "approved": 0, "rejected": 0, "pending": 0}, opd="BAPPEDA")
        system.assert_alive()


def test_flow_idempotent_retries():
    with System() as system:
        client, org = setup(system)
        alice = org.staff[0]
        body = submit_body(alice["nip"], workdays(1), "idem-submit")
        first = ok(client.call("REQUEST.SUBMIT", body))
        for _ in range(3):
            again = ok(client.call("REQUEST.SUBMIT", body))
            assert (again["request_id"], again["state"], again["approver"]) == \
                (first["request_id"], "pending", alice["supervisor_nip"]), (first, again)
        # The same key from another person is another request.
        other = ok(client.call("REQUEST.SUBMIT", dict(body, **{"as": org.staff[1]["nip"]})))
        assert other["request_id"] != first["request_id"]

        approver = alice["supervisor_nip"]
        wait_pending(client, approver, first["request_id"])
        decide = {"key": "idem-decide", "as": approver, "request_id": first["request_id"],
                  "decision": "reject"}
        d1 = ok(client.call("APPROVAL.DECIDE", decide))
        d2 = ok(client.call("APPROVAL.DECIDE", decide))
        assert (d1["request_id"], d1["state"]) == (d2["request_id"], d2["state"]) == (first["request_id"], "rejected")

        # Nothing was created twice.
        reply = ok(client.call("REQUEST.LIST", {"pemda": PEMDA, "nip": alice["nip"]}))
        assert [r["request_id"] for r in reply["requests"]] == [first["request_id"]], reply
        req = ok(client.call("REQUEST.GET", {"request_id": first["request_id"]}))["request"]
        assert [h["to"] for h in req["history"]] == ["submitted", "pending", "rejected"], req["history"]
        wait_metrics(client, {"submitted": 2, "approved": 0, "rejected": 1, "pending": 1})
        wait_inbox_entry(client, alice["nip"], first["request_id"], "request.rejected")
        entries = inbox(client, alice["nip"])
        # One decision entry, beside the one that told her it was received
        assert sorted(e["type"] for e in entries if e["request_id"] == first["request_id"]) == \
            ["approval.pending", "request.rejected"], entries
        pend = [e for e in inbox(client, approver) if e["request_id"] == first["request_id"]]
        assert len(pend) == 1 and pend[0]["type"] == "approval.pending", pend
        system.assert_alive()


def submit_error(client, body, lang=None):
    if lang:
        body = dict(body, lang=lang)
    reply = client.call("REQUEST.SUBMIT", body)
    assert reply["status"] == "error", reply
    assert reply["message"], reply
    return reply


def test_flow_validation_errors():
    with System() as system:
        client, org = setup(system)
        alice = org.staff[0]
        good = submit_body(alice["nip"], workdays(1), "v-good")

        def expect(code, field, **changes):
            body = dict(good, **changes)
            reply = submit_error(client, body)
            assert reply["code"] == code, "%r: expected %s, got %r" % (changes, code, reply)
            assert reply.get("field") == field, reply
            assert [e["code"] for e in reply.get("errors", [])] == [code], reply
            return reply

        expect("NOT_WORKING_DAY", "dates", dates=[future_weekend()])
        expect("DATE_NOT_FUTURE", "dates", dates=[past_workday()])
        expect("BAD_DATE", "dates", dates=["2031-02-30"])
        expect("BAD_DATE", "dates", dates=["17-08-2031"])
        expect("DUPLICATE_DATE", "dates", dates=workdays(1) * 2)
        expect("BAD_KIND", "kind", kind="kapal_pesiar")
        expect("UNKNOWN_EMPLOYEE", "as", **{"as": org.unknown_nip()})
        expect("NO_APPROVER", "as", **{"as": org.sekda["nip"]})
        expect("BAD_NIP", "as", **{"as": "12345"})
        expect("WRONG_TYPE", "dates", dates=20311201)
        expect("TOO_LARGE", "location", location="x" * 501)
        for field in ("key", "as", "kind", "dates", "location", "reason"):
            body = dict(good)
            del body[field]
            reply = submit_error(client, body)
            assert reply["code"] == "MISSING_FIELD" and reply["field"] == field, reply

        # Several rules broken at once: every problem in errors.
        body = {"key": "v-many", "as": alice["nip"], "kind": "kapal",
                "dates": [future_weekend(), past_workday(), "2031-13-01"], "reason": "r"}
        reply = submit_error(client, body)
        problems = {(e["code"], e.get("field")) for e in reply["errors"]}
        assert problems >= {("BAD_KIND", "kind"), ("NOT_WORKING_DAY", "dates"),
                            ("DATE_NOT_FUTURE", "dates"), ("BAD_DATE", "dates"),
                            ("MISSING_FIELD", "location")}, reply
        for e in reply["errors"]:
            assert e["message"], e

        # Nothing was stored by any of these.
        reply = ok(client.call("REQUEST.LIST", {"pemda": PEMDA}))
        assert reply["requests"] == [] and reply["count"] == 0, reply
        wait_metrics(client, {"submitted": 0, "approved": 0, "rejected": 0, "pending": 0})
        ok(client.call("REQUEST.SUBMIT", good))

        # A bad import batch: every bad row reported with its index, nothing stored.
        rows = [dict(org.rows[0], nip="197001011995011999", name="Baru"),
                dict(org.rows[1], nip="19700101199501"),
                dict(org.rows[2], nip="197013011995011998"),
                dict(org.rows[3], nip="197001011995011997", pemda="Jatim"),
                dict(org.rows[4], nip="197001011995011996", roles=["raja"])]
        reply = client.call("EMPLOYEE.IMPORT", {"key": "bad-import", "rows": rows})
        assert reply["status"] == "error" and reply["code"] == "IMPORT_INVALID", reply
        found = {(e["index"], e["code"]) for e in reply["errors"]}
        assert {(1, "BAD_NIP"), (2, "BAD_NIP"), (3, "BAD_PEMDA")} <= found, reply
        assert 4 in {e["index"] for e in reply["errors"]}, reply
        assert 0 not in {e["index"] for e in reply["errors"]}, reply
        got = client.call("EMPLOYEE.GET", {"nip": "197001011995011999"})
        # A NIP on record nowhere reads as NOT_FOUND, as one out of the reader's reach does
        assert got["status"] == "error" and got["code"] == "NOT_FOUND" and got["field"] == "nip", got
        system.assert_alive()


def test_flow_unknown_employee_reported_with_other_problems():
    """'All problems are reported at once': an unknown employee is one of them."""
    with System() as system:
        client, org = setup(system)
        body = {"key": "v-unknown-many", "as": org.unknown_nip(), "kind": "kapal",
                "dates": [future_weekend()], "location": "x", "reason": "y"}
        reply = submit_error(client, body)
        assert error_codes(reply) >= {"UNKNOWN_EMPLOYEE", "BAD_KIND", "NOT_WORKING_DAY"}, reply


def test_flow_languages():
    with System() as system:
        client, org = setup(system)
        alice = org.staff[0]
        body = {"key": "lang", "as": alice["nip"], "kind": "kapal", "dates": [future_weekend()],
                "location": "x", "reason": "y"}
        default = submit_error(client, body)
        indonesian = submit_error(client, body, lang="id")
        english = submit_error(client, body, lang="en")
        assert default["message"] == indonesian["message"], (default, indonesian)
        assert english["message"] != indonesian["message"], (english, indonesian)
        assert english["code"] == indonesian["code"]
        en = [e["message"] for e in english["errors"]]
        ind = [e["message"] for e in indonesian["errors"]]
        assert len(en) == len(ind) and all(a != b for a, b in zip(en, ind)), (en, ind)
        # Known words of each language, to be sure which is which.
        assert "Tanggal" in " ".join(ind) and "Date" in " ".join(en), (ind, en)

        hello = ok(client.call("SYSTEM.PING", {"lang": "en"}))
        halo = ok(client.call("SYSTEM.PING", {}))
        assert hello["message"] != halo["message"], (hello, halo)
        bad = client.call("NOPE.NOPE", {"lang": "en"})
        assert bad["code"] == "UNKNOWN_COMMAND" and bad["message"], bad
        system.assert_alive()
