"""The audit trail: every transition of a request is in its pemda's hash-chained log,
`wfactl audit REQUEST_ID` shows it, and `wfactl audit verify --pemda` passes on an untouched
log and fails when any entry in Redis is altered, inserted or removed."""

import json
import os
import subprocess

from harness import (ROOT, System, Org, approve_chain, awaiting, import_rows, ok,
                     workdays, wfactl_env)

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
