"""The inbox as a product: read state (INBOX.READ, INBOX.LIST's unread filter and counts),
isolation by the principal, idempotent redelivery, and the notices of a request's life: the
employee told of each step, the approvers told of a cancel. One System, natively and over
HTTP."""

from harness import (STEP_FIELDS, Org, System, import_rows, ok, submit_body, wait_until,
                     workdays)

PEMDA = "35.08"


def listing(client, nip, **extra):
    body = {"as": nip, "limit": 1000}
    body.update(extra)
    return ok(client.call("INBOX.LIST", body), "INBOX.LIST")


def wait_entries(client, nip, request_id, count):
    """The entries about request_id in nip's inbox once there are count of them, oldest first."""
    def enough():
        got = [e for e in listing(client, nip)["entries"] if e["request_id"] == request_id]
        return len(got) >= count and got[::-1]
    return wait_until("%d inbox entries of %s for %s" % (count, request_id, nip), enough, 15, 0.1)


def refused(reply, code, field=None):
    assert reply["status"] == "error" and reply["code"] == code, reply
    if field:
        assert reply.get("field") == field, reply


def test_inbox_read_state_and_notices():
    with System(gateway=True) as system:
        client = system.client()
        org = Org(pemda=PEMDA, opds=("DINKES",), supervisors=1, staff=2)
        import_rows(client, org.rows)
        alice, bob = org.staff[0], org.staff[1]
        atasan, kepala, bkd = alice["supervisor_nip"], org.kepala["DINKES"]["nip"], org.bkd["nip"]

        # The employee sees each step of the request's life, in order.
        first = ok(client.call("REQUEST.SUBMIT", submit_body(alice["nip"], workdays(1), "inbox-1")))
        rid = first["request_id"]
        received = wait_entries(client, alice["nip"], rid, 1)[0]
        assert received["type"] == "approval.pending" and received["read"] is False \
            and received["read_at"] == 0, received
        assert "step 1 of 3" in received["message_en"] and atasan in received["message_en"], received
        assert "tahap 1 dari 3" in received["message_id"], received
        body = {"key": "inbox-d1", "as": atasan, "request_id": rid, "decision": "approve"}
        body.update(STEP_FIELDS["atasan"])
        assert ok(client.call("APPROVAL.DECIDE", body))["state"] == "pending"
        moved = wait_entries(client, alice["nip"], rid, 2)[1]
        assert "approved at step 1 by %s" % atasan in moved["message_en"], moved
        assert "step 2 of 3" in moved["message_en"] and kepala in moved["message_en"], moved

        # A cancel tells the approvers who held it (now the kepala OPD), not the employee.
        ok(client.call("REQUEST.CANCEL", {"key": "inbox-c1", "as": alice["nip"], "request_id": rid,
                                          "reason": "Batal rapat"}))
        told = wait_until("the kepala OPD told of the cancel", lambda: [
            e for e in listing(client, kepala)["entries"]
            if e["request_id"] == rid and e["type"] == "request.cancelled"], 15, 0.1)
        assert len(told) == 1 and "cancelled by %s" % alice["nip"] in told[0]["message_en"] \
            and "Batal rapat" in told[0]["message_id"], told
        assert not [e for e in listing(client, atasan)["entries"] if e["type"] == "request.cancelled"]
        assert not [e for e in listing(client, alice["nip"])["entries"] if e["type"] == "request.cancelled"]

        # Read state: all of alice's entries unread; limit 0 gives just the counts.
        counts = listing(client, alice["nip"], limit=0)
        assert (counts["entries"], counts["count"], counts["unread_count"], counts["next_cursor"]) == \
            ([], 2, 2, ""), counts
        entries = listing(client, alice["nip"])["entries"]
        newest, oldest = entries[0]["entry_id"], entries[1]["entry_id"]
        mark = ok(client.call("INBOX.READ", {"key": "r1", "as": alice["nip"],
                                             "entry_ids": [oldest, "1-0", oldest]}))
        assert (mark["marked"], mark["unknown"], mark["unread_count"]) == (1, ["1-0"], 1), mark
        after = listing(client, alice["nip"])
        assert (after["count"], after["unread_count"]) == (2, 1), after
        read = {e["entry_id"]: e for e in after["entries"]}
        assert read[oldest]["read"] is True and read[oldest]["read_at"] > 0, read
        assert read[newest]["read"] is False and read[newest]["read_at"] == 0, read
        unread = listing(client, alice["nip"], unread=True)
        assert [e["entry_id"] for e in unread["entries"]] == [newest], unread
        # The same key again: the first answer; marking read again keeps the first read_at
        assert ok(client.call("INBOX.READ", {"key": "r1", "as": alice["nip"],
                                             "entry_ids": [oldest, "1-0", oldest]}))["marked"] == 1
        again = ok(client.call("INBOX.READ", {"key": "r2", "as": alice["nip"], "entry_ids": [oldest]}))
        assert (again["marked"], again["unknown"]) == (0, []), again
        assert {e["entry_id"]: e for e in listing(client, alice["nip"])["entries"]}[oldest]["read_at"] \
            == read[oldest]["read_at"]

        # Isolation: bob can neither see nor mark alice's entries; the principal is who acts.
        assert listing(client, bob["nip"])["count"] == 0
        theirs = ok(client.call("INBOX.READ", {"key": "b1", "as": bob["nip"], "entry_ids": [newest]}))
        assert (theirs["marked"], theirs["unknown"]) == (0, [newest]), theirs
        assert listing(client, alice["nip"])["unread_count"] == 1

        # Pagination while entries arrive and are marked read: the cursor holds its place.
        second = ok(client.call("REQUEST.SUBMIT", submit_body(bob["nip"], workdays(1, skip=3), "inbox-2")))
        # Redelivery first: the notifications group reads the whole stream again (as after a
        # consumer died before its XACKs); the entries neither double nor become unread.
        system.redis("XGROUP", "SETID", "wfa:{%s}:events" % PEMDA, "notifications", "0")
        wait_entries(client, atasan, first["request_id"], 1)
        wait_entries(client, atasan, second["request_id"], 1)   # after the redelivered ones
        still = {e["entry_id"]: e for e in listing(client, alice["nip"])["entries"]}
        assert len(still) == 2 and still[oldest]["read"] is True \
            and still[oldest]["read_at"] == read[oldest]["read_at"] and still[newest]["read"] is False, still
        page1 = listing(client, atasan, limit=1)
        assert page1["next_cursor"] and len(page1["entries"]) == 1, page1
        third = ok(client.call("REQUEST.SUBMIT", submit_body(alice["nip"], workdays(1, skip=6), "inbox-3")))
        wait_entries(client, atasan, third["request_id"], 1)
        ok(client.call("INBOX.READ", {"key": "a1", "as": atasan, "entry_ids": [page1["entries"][0]["entry_id"]]}))
        rest = listing(client, atasan, limit=1000, cursor=page1["next_cursor"])
        seen = [page1["entries"][0]["entry_id"]] + [e["entry_id"] for e in rest["entries"]]
        assert len(seen) == len(set(seen)) and third["request_id"] not in \
            [e["request_id"] for e in rest["entries"]], (page1, rest)
        # all: marks what is unread now, and says how many
        everything = ok(client.call("INBOX.READ", {"key": "a2", "as": atasan, "all": True}))
        assert everything["marked"] == rest["count"] - 1 and everything["unread_count"] == 0, everything

        # Bad input: stable codes, in both languages.
        refused(client.call("INBOX.READ", {"key": "x1", "as": alice["nip"]}), "MISSING_FIELD", "entry_ids")
        refused(client.call("INBOX.READ", {"key": "x2", "as": alice["nip"], "all": True,
                                           "entry_ids": [newest]}), "BAD_VALUE", "entry_ids")
        refused(client.call("INBOX.READ", {"key": "x3", "as": alice["nip"], "entry_ids": ["x,y"]}),
                "BAD_VALUE", "entry_ids")
        refused(client.call("INBOX.READ", {"key": "x4", "as": alice["nip"], "entry_ids": ["1-0"] * 101}),
                "TOO_LARGE", "entry_ids")
        refused(client.call("INBOX.READ", {"key": "x5", "as": alice["nip"], "all": "yes"}),
                "WRONG_TYPE", "all")
        refused(client.call("INBOX.READ", {"as": alice["nip"], "all": True}), "MISSING_FIELD", "key")
        refused(client.call("INBOX.LIST", {"as": alice["nip"], "unread": 1}), "WRONG_TYPE", "unread")
        english = client.call("INBOX.READ", {"key": "x6", "as": alice["nip"], "lang": "en"})
        indonesian = client.call("INBOX.READ", {"key": "x6", "as": alice["nip"]})
        assert english["message"] != indonesian["message"], (english, indonesian)

        # Over HTTP, with the person's own token.
        token = system.person_token(alice["nip"], PEMDA)
        unread_now = [e["entry_id"] for e in listing(client, alice["nip"], unread=True)["entries"]]
        assert newest in unread_now and oldest not in unread_now, unread_now   # and the third's
        status, _, got = system.http("GET", "/v1/inbox?unread=true&limit=10", token=token)
        assert status == 200 and [e["entry_id"] for e in got["entries"]] == unread_now \
            and got["unread_count"] == len(unread_now), (status, got)
        status, _, got = system.http("POST", "/v1/inbox/read", {"entry_ids": [newest]}, token=token,
                                     headers={"Idempotency-Key": "h1"})
        assert status == 200 and (got["marked"], got["unread_count"]) == (1, len(unread_now) - 1), \
            (status, got)
        status, _, got = system.http("POST", "/v1/inbox/read", {"all": True, "entry_ids": []}, token=token,
                                     headers={"Idempotency-Key": "h2", "Accept-Language": "en"})
        assert status == 400 and got["code"] == "BAD_VALUE", (status, got)
