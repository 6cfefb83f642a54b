"""The audit trail: every transition of a request is in its pemda's hash-chained log,
`wfactl audit REQUEST_ID` shows it, and `wfactl audit verify --pemda` passes on an untouched
log and fails when any entry in Redis is altered, inserted or removed; and, since the entries
are sealed with an HMAC key Redis never sees and the seals anchored outside Redis, also when
whoever did it recomputed the SHA-1 chain, cut entries from the end, or removed the seals.
The attacks below are what someone with Redis access alone can do: redis-cli and Lua."""

import contextlib
import glob
import hashlib
import hmac
import json
import os
import signal
import subprocess

from harness import (ROOT, System, Org, approve_chain, awaiting, import_rows, make_keys,
                     ok, wait_until, workdays, wfactl_env)

WFACTL = os.path.join(ROOT, "build", "bin", "wfactl")


def wfactl(system, *args):
    env = wfactl_env(system, args)
    return subprocess.run([WFACTL] + list(args), capture_output=True, text=True, env=env, timeout=30)


def make_history(system, org, count=3):
    """count requests, each submitted and opened, then decided: the even ones approved
    through the whole chain (atasan, kepala OPD, BKD), the odd ones rejected by the atasan;
    returns their ids."""
    client = system.client()
    import_rows(client, org.rows)
    ids = []
    for n, staff in enumerate(org.staff[:count]):
        reply = ok(client.call("REQUEST.SUBMIT", {
            "key": "a%d" % n, "as": staff["nip"], "kind": "rumah", "dates": workdays(1, skip=n),
            "location": "Rumah", "reason": "Alasan %d" % n}))
        ids.append((reply["request_id"], staff["supervisor_nip"]))
    for request_id, _ in ids:
        awaiting(client, request_id)
    for n, (request_id, approver) in enumerate(ids):
        if n % 2 == 0:
            approve_chain(client, request_id, note="catatan %d" % n)
        else:
            ok(client.call("APPROVAL.DECIDE", {"key": "d%d" % n, "as": approver, "request_id": request_id,
                                                "decision": "reject", "note": "catatan %d" % n}))
    return [request_id for request_id, _ in ids]


def verify(system, pemda):
    result = wfactl(system, "--json", "audit", "verify", "--pemda", pemda)
    return result.returncode, json.loads(result.stdout)


def test_audit_trail_shows_every_transition():
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System(verbose=False) as system:
        ids = make_history(system, org)
        result = wfactl(system, "--json", "audit", ids[0])
        assert result.returncode == 0, result.stderr
        entries = json.loads(result.stdout)["entries"]
        assert [(e["action"], e["from"], e["to"]) for e in entries] == [
            ("submit", "", "submitted"), ("open_step", "submitted", "pending"),
            ("approve", "pending", "pending"), ("approve", "pending", "pending"),
            ("approve", "pending", "approved")], entries
        assert entries[0]["actor"] == org.staff[0]["nip"] and entries[0]["role"] == "pegawai"
        assert entries[2]["actor"] == org.staff[0]["supervisor_nip"] and entries[2]["role"] == "atasan"
        assert entries[2]["reason"] == "[tasks_fit=yes targets_measurable=yes] catatan 0"
        assert [e["role"] for e in entries[2:]] == ["atasan", "kepala_opd", "bkd"], entries
        assert entries[4]["actor"] == org.bkd["nip"] and "nomor persetujuan" in entries[4]["reason"]
        for before, after in zip(entries, entries[1:]):
            assert after["seq"] > before["seq"]
        human = wfactl(system, "audit", ids[1])
        assert human.returncode == 0 and "reject" in human.stdout and "hash " in human.stdout, human


def test_audit_verify_detects_altered_inserted_removed():
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System(verbose=False) as system:
        make_history(system, org)
        code, report = verify(system, org.pemda)
        assert code == 0 and report["valid"] is True and report["checked"] == 13, report
        key = "wfa:{%s}:audit" % org.pemda
        original = system.redis("LINDEX", key, 4).rstrip("\n")

        # Altered: one character of the reason changed, hash left as it was
        system.redis("LSET", key, 4, original.replace("submitted", "submittex", 1))
        code, report = verify(system, org.pemda)
        assert code != 0 and report["valid"] is False and report["broken_at"] == 5, report
        system.redis("LSET", key, 4, original)
        assert verify(system, org.pemda)[0] == 0

        # Inserted: a copy of an entry slipped in
        system.redis("LINSERT", key, "BEFORE", original, original)
        code, report = verify(system, org.pemda)
        assert code != 0 and report["valid"] is False, report
        system.redis("LREM", key, 1, original)
        assert verify(system, org.pemda)[0] == 0

        # Removed: in the middle, and at the end
        system.redis("LREM", key, 1, original)
        code, report = verify(system, org.pemda)
        assert code != 0 and report["broken_at"] == 5, report
        system.redis("LINSERT", key, "BEFORE", system.redis("LINDEX", key, 4).rstrip("\n"), original)
        assert verify(system, org.pemda)[0] == 0
        system.redis("RPOP", key)
        code, report = verify(system, org.pemda)
        assert code != 0 and "removed" in report["problem"], report
        human = wfactl(system, "audit", "verify", "--pemda", org.pemda)
        assert human.returncode != 0 and "AUDIT_BROKEN" in human.stderr, human


# ---------------------------------------------------------------- seals and anchors

# What an attacker with Redis access runs: rewrite the reason of the entry at list index
# ARGV[1] to ARGV[2], then recompute the SHA-1 chain from there to the end and the head,
# so that the SHA-1 rule alone (docs/protocol.md) finds nothing wrong.
REWRITE = r"""
local p, US = KEYS[1], '\31'
local entries = redis.call('LRANGE', p .. 'audit', 0, -1)
local prev = string.rep('0', 40)
for i, entry in ipairs(entries) do
    local f = {}
    for field in string.gmatch(entry .. US, '([^' .. US .. ']*)' .. US) do f[#f + 1] = field end
    if i - 1 == tonumber(ARGV[1]) then f[10] = ARGV[2] end
    f[12] = prev
    f[13] = redis.sha1hex(prev .. US .. table.concat(f, US, 1, 11))
    redis.call('LSET', p .. 'audit', i - 1, table.concat(f, US))
    prev = f[13]
end
redis.call('SET', p .. 'audit:head', prev)
return prev
"""


def audit_key(path):
    return bytes.fromhex(open(path).read().strip())


def key_id(key):
    return hashlib.sha256(key).hexdigest()[:8]


def verify_call(system, pemda):
    return ok(system.client().call("AUDIT.VERIFY", {"pemda": pemda}), "AUDIT.VERIFY")


def log_length(system, pemda, which="audit"):
    return int(system.redis("LLEN", "wfa:{%s}:%s" % (pemda, which)).strip())


def sealed_and_anchored(system, pemda, timeout=20):
    """Wait until every entry is sealed and the last one anchored; the entry count."""
    def done():
        count = log_length(system, pemda)
        anchored = [int(line[2]) for line in system.anchors(pemda)]
        return count if log_length(system, pemda, "audit:mac") == count and count in anchored else None
    return wait_until("every audit entry of %s sealed and anchored" % pemda, done, timeout, 0.1)


@contextlib.contextmanager
def sealed_history():
    """A system with make_history's 13 audit entries, every one sealed and anchored."""
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System(verbose=False) as system:
        make_history(system, org)
        assert sealed_and_anchored(system, org.pemda) == 13
        yield system, org


def one_more_entry(system, org, key):
    """One more audit entry: the BKD officer sets the pemda's (empty) calendar."""
    ok(system.client().call("CALENDAR.SET", {"key": key, "pemda": org.pemda, "as": org.bkd["nip"],
                                             "days": []}))


def broken(system, pemda):
    """AUDIT.VERIFY through the call and through wfactl, which must agree; the report."""
    report = verify_call(system, pemda)
    assert report["valid"] is False, report
    code, json_report = verify(system, pemda)
    assert code != 0 and json_report["valid"] is False, json_report
    assert (json_report["broken_at"], json_report["problem"]) == (report["broken_at"], report["problem"])
    human = wfactl(system, "audit", "verify", "--pemda", pemda)
    assert human.returncode != 0 and "AUDIT_BROKEN" in human.stderr, human
    assert report["problem"] in human.stderr, human
    return report


def test_audit_verify_finds_a_rewrite_with_its_sha1_chain_recomputed():
    with sealed_history() as (system, org):
        report = verify_call(system, org.pemda)
        assert report["valid"] is True and report["checked"] == 13, report
        assert report["sealed"] == 13 and report["unsealed"] == 0 and report["anchored"] == 13, report
        key = audit_key(os.path.join(system.keys, "audit.key"))
        assert report["seal"].startswith(key_id(key) + ":"), report
        human = wfactl(system, "audit", "verify", "--pemda", org.pemda)
        assert human.returncode == 0 and "13 entries (13 sealed, 0 waiting" in human.stdout, human
        assert "last anchor: entry 13 at " in human.stdout, human
        # The log line of the anchor is the anchor log's line
        anchor = " ".join(system.anchors(org.pemda)[-1])
        assert "audit anchor " + anchor in system.log_text("requests"), anchor

        prefix = "wfa:{%s}:" % org.pemda
        head = system.redis("EVAL", REWRITE, 1, prefix, 4, "Disetujui tanpa syarat").strip()
        assert system.redis("GET", prefix + "audit:head").strip() == head
        report = broken(system, org.pemda)
        # The SHA-1 chain holds (the attacker recomputed it); the seal of entry 5 does not
        assert report["broken_at"] == 5 and report["checked"] == 4, report
        assert "does not match its seal" in report["problem"] and "altered" in report["problem"], report
        # Every entry after it is rewritten too (each one's prev changed): the sealer seals
        # nothing more and verify stays on entry 5
        system.redis("EVAL", REWRITE, 1, prefix, 9, "Ditolak")
        assert broken(system, org.pemda)["broken_at"] == 5


def test_audit_verify_finds_entries_cut_from_the_end_past_an_anchor():
    with sealed_history() as (system, org):
        # Cut the last two entries and make everything in Redis agree: the seq, the head,
        # the seals; SHA-1 and HMAC chains are then whole, only shorter
        prefix = "wfa:{%s}:" % org.pemda
        system.redis("LTRIM", prefix + "audit", 0, -3)
        system.redis("LTRIM", prefix + "audit:mac", 0, -3)
        system.redis("SET", prefix + "audit:seq", 11)
        last = system.redis("LINDEX", prefix + "audit", -1).rstrip("\n")
        system.redis("SET", prefix + "audit:head", last.split("\x1f")[-1])
        report = broken(system, org.pemda)
        assert report["broken_at"] == 12 and report["checked"] == 11, report
        assert "entry 13 was anchored" in report["problem"] and "truncated" in report["problem"], report
        # The sealer knows it sealed 13: it refuses to seal over the gap, and says why
        wait_until("the sealer to refuse", lambda: "not sealing it" in system.log_text("requests"), 10)
        assert "only 11 entries are sealed but 13 were" in system.log_text("requests")


def test_audit_verify_finds_the_seals_removed_and_they_are_not_made_again():
    with sealed_history() as (system, org):
        seals_key = "wfa:{%s}:audit:mac" % org.pemda
        saved = system.redis("LRANGE", seals_key, 0, -1).split()
        assert len(saved) == 13
        system.redis("DEL", seals_key)
        report = broken(system, org.pemda)
        assert report["broken_at"] == 1 and "seals removed" in report["problem"], report
        # Sealing everything again would bless whatever was changed meanwhile: the sealer
        # leaves the log unsealed and says so
        wait_until("the sealer to refuse", lambda: "not sealing it" in system.log_text("requests"), 10)
        assert log_length(system, org.pemda, "audit:mac") == 0
        # The seals restored (from a copy of Redis), all is well again, and new entries
        # are sealed as before
        system.redis("RPUSH", seals_key, *saved)
        assert verify_call(system, org.pemda)["valid"] is True
        one_more_entry(system, org, "cal-after")
        assert sealed_and_anchored(system, org.pemda) == 14
        assert "sealing again" in system.log_text("requests")
        assert verify_call(system, org.pemda)["sealed"] == 14


def append_entries(system, pemda, count):
    """count pemda-wide entries appended the way the Lua steps write them: wfa_audit of the
    shared Lua library, in one script (a long log made fast)."""
    library = "".join(open(path).read() for path in sorted(glob.glob(
        os.path.join(ROOT, "shared", "lua", "lib", "*.lua"))))
    script = library + """
for n = 1, tonumber(ARGV[1]) do
    wfa_audit(KEYS[1], tonumber(ARGV[2]), '', 'system', 'system', '', 'calendar_set', '', '',
              'entri ' .. n, '0')
end
return redis.call('LLEN', KEYS[1] .. 'audit')"""
    now_ms = int(system.redis("TIME").split()[0]) * 1000
    return int(system.redis("EVAL", script, 1, "wfa:{%s}:" % pemda, count, now_ms).strip())


def test_audit_many_entries_sealed_once_across_a_kill9_of_the_sealer():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System({"requests": 2}, verbose=False) as system:
        import_rows(system.client(), org.rows)
        total = append_entries(system, org.pemda, 30000)
        assert total == 30000
        # Kill the instance that holds the pemda's lease while it is halfway through
        prefix = "wfa:{%s}:" % org.pemda
        wait_until("sealing under way", lambda: 0 < log_length(system, org.pemda, "audit:mac") < total,
                   20, 0.01)
        holder = system.redis("GET", prefix + "audit:lease").strip()
        index = [p.pid for p in system.procs["requests"]].index(int(holder.split("-")[-2]))
        system.kill9("requests", index)
        stopped_at = log_length(system, org.pemda, "audit:mac")
        assert 0 < stopped_at < total, stopped_at
        # The other instance takes the lease once it lapses and goes on from there
        assert sealed_and_anchored(system, org.pemda, timeout=40) == total
        system.start("requests", index)
        system.wait_ready()
        report = verify_call(system, org.pemda)
        assert report["valid"] is True and report["checked"] == total == report["sealed"], report
        assert log_length(system, org.pemda, "audit:mac") == total     # nothing sealed twice
        code, json_report = verify(system, org.pemda)
        assert code == 0 and json_report["sealed"] == total, json_report
        for index in range(2):
            assert "not sealing" not in system.log_text("requests", index)


def test_audit_key_rotation_keeps_old_seals_checkable_and_refuses_an_old_key_afterwards():
    with sealed_history() as (system, org):
        # Rotate: stop the requests service, keep the old key as a retired one, make a
        # new one, start again
        key_path = os.path.join(system.keys, "audit.key")
        old = audit_key(key_path)
        proc = system.procs["requests"][0]
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        os.rename(key_path, key_path + ".2026-12")
        make_keys(system.keys)              # wfactl keys init: makes the missing audit.key
        new = audit_key(key_path)
        system.start("requests", 0)
        system.wait_ready()
        one_more_entry(system, org, "cal-rotated")
        assert sealed_and_anchored(system, org.pemda) == 14
        report = verify_call(system, org.pemda)
        assert report["valid"] is True and report["sealed"] == 14, report
        seals_key = "wfa:{%s}:audit:mac" % org.pemda
        seals = system.redis("LRANGE", seals_key, 0, -1).split()
        assert [seal[:8] for seal in seals] == [key_id(old)] * 13 + [key_id(new)], seals
        assert {line[3] for line in system.anchors(org.pemda)} == {key_id(old), key_id(new)}

        # Whoever stole the retired key seals the newest entry again with it: refused
        entry = system.redis("LINDEX", "wfa:{%s}:audit" % org.pemda, 13).rstrip("\n").encode()
        prev = bytes.fromhex(seals[12][9:])
        forged = hmac.new(old, prev + entry, hashlib.sha256).hexdigest()
        system.redis("LSET", seals_key, 13, key_id(old) + ":" + forged)
        report = broken(system, org.pemda)
        assert report["broken_at"] == 14 and "retired key" in report["problem"], report
        system.redis("LSET", seals_key, 13, seals[13])
        assert verify_call(system, org.pemda)["valid"] is True

        # Without the retired key the old seals cannot be checked
        os.remove(key_path + ".2026-12")
        system.kill9("requests", 0)
        system.start("requests", 0)
        system.wait_ready()
        report = broken(system, org.pemda)
        assert report["broken_at"] == 1 and "does not have" in report["problem"], report
