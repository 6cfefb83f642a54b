"""Email through a real SMTP sink (aiosmtpd, in a thread of the test, on a spare port):
each notice told to a person with an address on record is mailed to them in their
language (text and HTML parts, a subject naming the request), once; a recipient the
server refuses with 550 is marked bounced on the personnel record and not mailed again;
a 451 is tried again and then delivered; kill -9 of wfa-notifications during a burst of
decisions doubles no email (the sink counts messages per Message-ID)."""

import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from harness import (STEP_FIELDS, System, Org, import_rows, ok, spare_port, wait_until,
                     weekly_monday)


class Sink:
    """An SMTP server that keeps every message it accepts. refuse: addresses whose RCPT
    gets 550; busy: address -> how many RCPTs get 451 before it is taken."""

    def __init__(self, refuse=(), busy=None, delay=0.0):
        self.delay = delay          # seconds each RCPT waits: a slow server, so work piles up
        self.refuse = set(refuse)
        self.busy = dict(busy or {})
        self.lock = threading.Lock()
        self.messages = []          # email.message.EmailMessage, in arrival order
        self.rcpts = {}             # address -> RCPT commands seen
        self.waiting = 0            # RCPTs sleeping their delay now (no message half-taken)
        self.port = spare_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay:
            with self.lock:
                self.waiting += 1
            await asyncio.sleep(self.delay)
            with self.lock:
                self.waiting -= 1
        with self.lock:
            self.rcpts[address] = self.rcpts.get(address, 0) + 1
            if address in self.refuse:
                return "550 5.1.1 No such user"
            if self.busy.get(address, 0) > 0:
                self.busy[address] -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if str(m["To"]).strip("<>") == address]

    def count(self):
        with self.lock:
            return len(self.messages)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def parts(message):
    """The text and HTML parts of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def address_of(row):
    return "p%s@dinkes.lumajangkab.go.id" % row["nip"]


def submit(client, row, key, week):
    reply = ok(client.call("REQUEST.SUBMIT", {
        "key": key, "as": row["nip"], "kind": "rumah", "dates": [weekly_monday(week)],
        "location": "Rumah", "reason": "Menyusun laporan"}))
    return reply["request_id"], reply["approver"]


def mute_progress(client, rows):
    """rows turn off the mails of their own requests' progress (request.progress), so
    a test about decision mails counts those alone."""
    for row in rows:
        prefs = ok(client.call("PREFS.SET", {"key": "np-" + row["nip"], "as": row["nip"],
                                             "email": {"request.progress": "off"}}))["email"]
        assert prefs["request.progress"] == "off", prefs


def reject(client, rid, approver, key):
    body = {"key": key, "as": approver, "request_id": rid, "decision": "reject",
            "note": "Belum <cukup> & kurang jelas"}
    body.update(STEP_FIELDS["atasan"])
    return client.call("APPROVAL.DECIDE", body)


def smtp_env(sink):
    return {"WFA_SMTP_URL": "smtp://127.0.0.1:%d" % sink.port,
            "WFA_SMTP_FROM": "fleksi@lumajangkab.go.id", "WFA_SMTP_TLS": "off",
            # No daily digest in the tests that count notices (the test clock is real time of
            # day, often past 07:00); the digest test sets its own hour
            "WFA_DIGEST_HOUR": "24",
            # An email killed mid-send is claimed this long (+1 s) before it goes again
            "WFA_SMTP_TIMEOUT_MS": "2000"}


def test_language_template_bounce_and_retry(bin_dir=None, extra_env=None, at_end=None):
    """bin_dir, extra_env, at_end(system): for test_sanitizers, which runs this under ASan."""
    org = Org(opds=("DINKES",), supervisors=1, staff=4)
    english, indonesian, bouncing, busy = org.staff
    english.update(email=address_of(english), lang="en")
    indonesian.update(email=address_of(indonesian))            # no lang: Bahasa Indonesia
    bouncing.update(email=address_of(bouncing), lang="id")
    busy.update(email=address_of(busy), lang="en")
    atasan = org.supervisors[0]
    atasan.update(email=address_of(atasan), lang="id")
    with Sink(refuse=[address_of(bouncing)], busy={address_of(busy): 2}) as sink, \
            System(verbose=False, bin_dir=bin_dir,
                   extra_env=dict(smtp_env(sink), **(extra_env or {}))) as system:
        client = system.client()
        import_rows(client, org.rows)
        # Bad addresses and languages are refused at import, header injection included
        bad = dict(english, email="x@y.id\r\nBcc: all@y.id", lang="fr")
        reply = client.call("EMPLOYEE.IMPORT", {"key": "bad", "rows": [bad]})
        assert reply.get("status") == "error", reply
        fields = sorted(e.get("field") for e in reply.get("errors", []))
        assert fields == ["email", "lang"], reply
        mute_progress(client, org.staff)

        rids = {}
        for n, row in enumerate(org.staff):
            rid, approver = submit(client, row, "s%d" % n, n + 1)
            assert approver == atasan["nip"]
            rids[row["nip"]] = rid
        # The atasan is told of each request, in Indonesian, by email too
        wait_until("four pending emails", lambda: len(sink.to(address_of(atasan))) == 4, 15)
        subjects = sorted(m["Subject"] for m in sink.to(address_of(atasan)))
        assert subjects == sorted("[Fleksi] Pengajuan %s menunggu keputusan Anda" % rid
                                  for rid in rids.values()), subjects
        for n, row in enumerate(org.staff):
            ok(reject(client, rids[row["nip"]], atasan["nip"], "d%d" % n))

        # English for an en employee: subject, text and HTML, the request id in each
        wait_until("the English email", lambda: len(sink.to(address_of(english))) == 1, 15)
        rid = rids[english["nip"]]
        message = sink.to(address_of(english))[0]
        assert message["Subject"] == "[Fleksi] Request %s rejected" % rid, message["Subject"]
        text, html = parts(message)
        assert text.startswith("Dear Pegawai DINKES 1.1,"), text
        assert "Request %s was rejected by %s: Belum <cukup> & kurang jelas" % (
            rid, atasan["nip"]) in text, text
        assert "Request number: %s" % rid in text, text
        assert '<html lang="en">' in html and "Belum &lt;cukup&gt; &amp; kurang jelas" in html, html
        assert "<cukup>" not in html, html
        assert message["Message-ID"].endswith("@lumajangkab.go.id>"), message["Message-ID"]
        assert message["Date"], message

        # Indonesian for one with no lang on record
        wait_until("the Indonesian email", lambda: len(sink.to(address_of(indonesian))) == 1, 15)
        message = sink.to(address_of(indonesian))[0]
        rid = rids[indonesian["nip"]]
        assert message["Subject"] == "[Fleksi] Pengajuan %s ditolak" % rid, message["Subject"]
        text, html = parts(message)
        assert text.startswith("Yth. Pegawai DINKES 1.2,"), text
        assert "Pengajuan %s ditolak oleh %s" % (rid, atasan["nip"]) in text, text
        assert '<html lang="id">' in html and "Nomor pengajuan: %s" % rid in html, html

        # 451 twice, then taken: one message, three tries on record
        wait_until("the busy address delivered", lambda: len(sink.to(address_of(busy))) == 1, 20)
        assert sink.rcpts[address_of(busy)] == 3, sink.rcpts
        record = system.redis("HGET", "wfa:{35.08}:mail:%s" % mail_key(system, busy), "attempts")
        assert record.strip() == "3", record

        # 550 at RCPT: the address is marked bounced on the record, visible in EMPLOYEE.GET
        def bounced():
            got = ok(client.call("EMPLOYEE.GET", {"nip": bouncing["nip"]}))["employee"]
            return got.get("email_bounced") == address_of(bouncing)
        wait_until("the address marked bounced", bounced, 15)
        assert sink.rcpts[address_of(bouncing)] == 1, sink.rcpts
        # ... and never tried again: a new notice for them is not mailed, while one for the
        # English employee that comes after it in the outbox is
        rid, _ = submit(client, bouncing, "s-again", 6)
        ok(reject(client, rid, atasan["nip"], "d-again"))
        rid, _ = submit(client, english, "s-en2", 7)
        ok(reject(client, rid, atasan["nip"], "d-en2"))
        wait_until("the second English email", lambda: len(sink.to(address_of(english))) == 2, 15)
        assert sink.rcpts[address_of(bouncing)] == 1, sink.rcpts
        # A new address on import lifts it
        ok(client.call("EMPLOYEE.IMPORT", {"key": "new-address", "rows": [
            dict(bouncing, email="baru.%s@dinkes.lumajangkab.go.id" % bouncing["nip"])]}))
        rid, _ = submit(client, bouncing, "s-new", 8)
        ok(reject(client, rid, atasan["nip"], "d-new"))
        wait_until("mail to the new address", lambda: len(
            sink.to("baru.%s@dinkes.lumajangkab.go.id" % bouncing["nip"])) == 1, 15)
        # Every message once per Message-ID
        ids = [m["Message-ID"] for m in sink.messages]
        assert len(ids) == len(set(ids)), ids
        if at_end:
            at_end(system)


def mail_key(system, row):
    """EVENT:NIP of the one email record of row's person."""
    keys = system.redis("KEYS", "wfa:{35.08}:mail:*:%s" % row["nip"]).split()
    assert len(keys) == 1, keys
    return keys[0].split(":mail:", 1)[1]


def test_kill9_during_a_burst_of_decisions_doubles_no_email():
    org = Org(opds=("DINKES",), supervisors=2, staff=15)
    for row in org.staff:
        row["email"] = address_of(row)
    # A slow server (50 ms a recipient): the decisions outrun the mail, so the kill lands
    # while emails are being sent and more wait in the outbox
    with Sink(delay=0.05) as sink, System(verbose=False, extra_env=smtp_env(sink)) as system:
        client = system.client()
        import_rows(client, org.rows)
        submitted = [(row, *submit(client, row, "s%d" % n, 1)) for n, row in enumerate(org.staff)]
        assert len(submitted) == 30
        for n, (row, rid, approver) in enumerate(submitted):
            ok(reject(client, rid, approver, "d%d" % n))
        # The kill lands while a recipient waits its 50 ms, not just after a message was
        # taken: the one window no sender can close (the server took a message, the sender
        # died before writing it down; docs/operations.md) is a few microseconds, and a kill
        # timed by the sink's count would aim at it
        wait_until("some emails out, one being sent",
                   lambda: sink.count() >= 8 and sink.waiting > 0, 15, 0.001)
        system.kill9("notifications")
        at_kill = sink.count()
        # Each employee is mailed twice: received (request.progress), then rejected
        assert at_kill < 60, "the burst was mailed before the kill: %d" % at_kill
        system.start("notifications")
        wait_until("60 emails", lambda: sink.count() >= 60, 30)
        # Every redelivery has had its chance (1 s) to double one: still 30, one per id
        wait_until("notifications caught up", lambda: caught_up(system), 15)
        ids = [m["Message-ID"] for m in sink.messages]
        assert len(ids) == 60 and len(set(ids)) == 60, ids
        for row, rid, _ in submitted:
            got = sorted(m["Subject"] for m in sink.to(address_of(row)))
            assert got == ["[Fleksi] Pengajuan %s ditolak" % rid,
                           "[Fleksi] Perkembangan pengajuan %s" % rid], (row["nip"], got)


def caught_up(system):
    """The notifications group has read and acknowledged every event."""
    lines = system.redis("XINFO", "GROUPS", "wfa:{35.08}:events").split("\n")
    info, current = {}, None
    for n in range(0, len(lines) - 1, 2):
        if lines[n] == "name":
            current = info[lines[n + 1]] = {}
        elif current is not None:
            current[lines[n]] = lines[n + 1]
    group = info.get("notifications", {})
    return group.get("lag") == "0" and group.get("pending") == "0"


def test_a_muted_notice_is_not_sent_and_a_critical_one_is_anyway():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    atasan, staff = org.supervisors[0], org.staff[0]
    for row in (atasan, staff):
        row["email"] = address_of(row)
    with Sink() as sink, System(verbose=False, extra_env=smtp_env(sink)) as system:
        client = system.client()
        import_rows(client, org.rows)
        # Muting a critical kind is refused, in both languages, and changes nothing
        reply = client.call("PREFS.SET", {"key": "m0", "as": staff["nip"],
                                          "email": {"request.rejected": "off", "approval.pending": "off"}})
        assert reply["code"] == "CRITICAL_NOTICE" and reply["field"] == "email.request.rejected", reply
        assert "tidak dapat dimatikan" in reply["message"], reply
        reply = client.call("PREFS.SET", {"key": "m0", "as": staff["nip"], "lang": "en",
                                          "email": {"monev.suspended": "off"}})
        assert reply["code"] == "CRITICAL_NOTICE" and "cannot be muted" in reply["message"], reply
        reply = client.call("PREFS.SET", {"key": "m1", "as": staff["nip"], "email": {"no.such": "off"}})
        assert reply["code"] == "BAD_VALUE", reply
        assert ok(client.call("PREFS.GET", {"as": staff["nip"]}))["email"]["approval.pending"] == "on"

        # The atasan mutes approval.pending: the inbox has it, the mail does not
        prefs = ok(client.call("PREFS.SET", {"key": "m2", "as": atasan["nip"],
                                             "email": {"approval.pending": "off"}}))["email"]
        assert prefs["approval.pending"] == "off" and prefs["request.rejected"] == "on", prefs
        # An old record that says a critical kind is off (written before the check): ignored
        system.redis("HSET", "wfa:{35.08}:prefs:%s" % staff["nip"], "request.rejected", "off")
        assert ok(client.call("PREFS.GET", {"as": staff["nip"]}))["email"]["request.rejected"] == "on"
        # The employee mutes the progress of their own requests (not critical)
        mute_progress(client, [staff])
        rid, approver = submit(client, staff, "s1", 1)
        wait_until("the pending notice in the inbox", lambda: ok(client.call(
            "INBOX.LIST", {"as": atasan["nip"]}))["count"] == 1, 15)
        ok(reject(client, rid, approver, "d1"))
        wait_until("the rejection mailed", lambda: len(sink.to(address_of(staff))) == 1, 15)
        # The pending notice came first in the outbox: had it been mailed, it would be there
        assert sink.to(address_of(atasan)) == [], [m["Subject"] for m in sink.to(address_of(atasan))]
        assert sink.to(address_of(staff))[0]["Subject"] == "[Fleksi] Pengajuan %s ditolak" % rid
        # Turned on again, the next one is mailed
        ok(client.call("PREFS.SET", {"key": "m3", "as": atasan["nip"], "email": {"approval.pending": "on"}}))
        ok(client.call("PREFS.SET", {"key": "m4", "as": staff["nip"], "email": {"request.progress": "on"}}))
        rid, _ = submit(client, staff, "s2", 2)
        wait_until("the pending notice mailed", lambda: len(sink.to(address_of(atasan))) == 1, 15)
        assert sink.to(address_of(atasan))[0]["Subject"] == "[Fleksi] Pengajuan %s menunggu keputusan Anda" % rid
        # ... and the employee's own: where the request is now, under its own subject
        wait_until("the progress mailed", lambda: len(sink.to(address_of(staff))) == 2, 15)
        assert sink.to(address_of(staff))[1]["Subject"] == "[Fleksi] Perkembangan pengajuan %s" % rid
        assert "menunggu" in parts(sink.to(address_of(staff))[1])[0]


def digests(sink, row):
    return [m for m in sink.to(address_of(row)) 
            if m["Subject"].startswith(("[Fleksi] Ringkasan harian", "[Fleksi] Daily digest"))]


def test_daily_digest_once_per_person_and_day(tmp_path=None, bin_dir=None, extra_env=None, at_end=None):
    """Under the test clock: nothing before WFA_DIGEST_HOUR; past it, one digest for each
    approver holding requests (their count and request ids) and one for the BKD officer
    naming the suspended employee; none for a person with nothing, none when muted; the
    same day again none; the next day again. bin_dir, extra_env, at_end: for test_sanitizers."""
    import datetime
    import os
    import tempfile
    from harness import Clock, today_wib
    org = Org(opds=("DINKES",), supervisors=3, staff=2)
    two, one, muted = org.supervisors
    idle, flagged = org.staff[5], org.staff[1]
    for row in (two, one, muted, idle, org.bkd):
        row["email"] = address_of(row)
    org.bkd["lang"] = "en"
    directory = tmp_path or tempfile.mkdtemp()
    clock = Clock(os.path.join(str(directory), "clock"))
    today = today_wib()
    clock.set(today, 5)
    with Sink() as sink, System(verbose=False, bin_dir=bin_dir, extra_env=dict(
            smtp_env(sink), WFA_CLOCK_FILE=clock.path, WFA_DIGEST_HOUR="7",
            **(extra_env or {}))) as system:
        client = system.client()
        import_rows(client, org.rows)
        rids = {}
        for n in (0, 1, 2, 4):                  # two for the first atasan, one each for the others
            row = org.staff[n]
            rid, approver = submit(client, row, "s%d" % n, n + 1)
            rids.setdefault(approver, []).append(rid)
        assert sorted(len(v) for v in rids.values()) == [1, 1, 2], rids
        assert len(rids[two["nip"]]) == 2 and len(rids[one["nip"]]) == 1
        ok(client.call("PREFS.SET", {"key": "mute", "as": muted["nip"], "email": {"digest": "off"}}))
        # A flagged employee, as monev's evaluation leaves one (mv:suspended + suspended_until)
        until = (today + datetime.timedelta(days=14)).isoformat()
        system.redis("HSET", "wfa:{35.08}:emp:%s" % flagged["nip"], "suspended_until", until)
        system.redis("SADD", "wfa:{35.08}:mv:suspended", flagged["nip"])
        wait_until("the pending notices mailed", lambda: len(sink.to(address_of(two))) == 2, 15)
        # Before 07:00 local: no digest (the timer runs every second)
        wait_until("notifications caught up", lambda: caught_up(system), 15)
        assert system.redis("EXISTS", "wfa:{35.08}:digest:claim:%s" % today.isoformat()).strip() == "0"

        clock.set(today, 7, 5)
        wait_until("the digests", lambda: len(digests(sink, two)) == 1 and len(digests(sink, one)) == 1
                   and len(digests(sink, org.bkd)) == 1, 15)
        wait_until("the day's claim done", lambda: system.redis(
            "GET", "wfa:{35.08}:digest:claim:%s" % today.isoformat()).strip() == "done", 15)
        text, html = parts(digests(sink, two)[0])
        assert "2 pengajuan menunggu keputusan Anda" in text, text
        for rid in rids[two["nip"]]:
            assert rid in text and rid in html, (rid, text)
        assert rids[one["nip"]][0] not in text
        text, _ = parts(digests(sink, one)[0])
        assert "1 pengajuan" in text and rids[one["nip"]][0] in text, text
        bkd = digests(sink, org.bkd)[0]
        assert bkd["Subject"] == "[Fleksi] Daily digest %s" % today.isoformat(), bkd["Subject"]
        text, _ = parts(bkd)
        assert "1 employees are suspended" in text and flagged["nip"] in text and until in text, text
        assert digests(sink, muted) == [] and digests(sink, idle) == []

        # Later the same day, even with a second instance that has no memory of it (the
        # claim and the records are in Redis): nothing more
        clock.set(today, 9)
        before = sink.count()
        system.start("notifications")
        import time
        time.sleep(2.5)     # the timer's rounds: nothing may come, so no predicate to wait on
        assert sink.count() == before, [m["Subject"] for m in sink.messages[before:]]

        # The next day: again, once each
        tomorrow = today + datetime.timedelta(days=1)
        clock.set(tomorrow, 7, 30)
        wait_until("the next day's digests", lambda: len(digests(sink, two)) == 2
                   and len(digests(sink, one)) == 2 and len(digests(sink, org.bkd)) == 2, 15)
        assert digests(sink, two)[1]["Subject"] == "[Fleksi] Ringkasan harian %s" % tomorrow.isoformat()
        assert digests(sink, muted) == [] and digests(sink, idle) == []
        if at_end:
            at_end(system)
