"""The acceptance walk of the rules, through wfactl only: a three-step chain (atasan ->
kepala_opd -> bkd) with a return for revision, each step recording what it must (the
assessment, the proposal, the approval number), an acting official (Plh) appointed for the
kepala OPD by the BKD under an order, then bulk decisions (several requests in one call, a
result per item) and a withdrawn appointment."""

import json
import os
import subprocess
import tempfile

from harness import ROOT, System, Org, employee, make_nip, today_wib, wait_until, weekly_monday, write_csv, wfactl_env

WFACTL = os.path.join(ROOT, "build", "bin", "wfactl")
CHAIN = """[chain]
step = atasan, sla_hours=24, on_timeout=remind
step = kepala_opd, sla_hours=48, on_timeout=escalate
step = bkd, sla_hours=72, on_timeout=expire
"""


def wfactl(system, *args):
    env = wfactl_env(system, args)
    result = subprocess.run([WFACTL, "--json"] + list(args), capture_output=True, text=True,
                            env=env, timeout=30)
    return result.returncode, json.loads(result.stdout)


def human(system, *args):
    """wfactl without --json: (exit status, stdout + stderr)."""
    result = subprocess.run([WFACTL] + list(args), capture_output=True, text=True,
                            env=wfactl_env(system, args), timeout=30)
    return result.returncode, result.stdout + result.stderr


def awaits(system, nip, rid):
    code, reply = wfactl(system, "approvals", "--as", nip)
    return code == 0 and any(r["request_id"] == rid for r in reply["requests"])


def test_three_steps_with_return_and_delegation_through_wfactl():
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    bkd = org.bkd
    plh = employee(make_nip(901), "Plh Kepala", org.pemda, "DINKES", "Sekretaris Dinas",
                   org.sekda["nip"], ["pegawai", "atasan"])
    work = tempfile.mkdtemp(prefix="fleksi-chain-")
    with System(verbose=False) as system:
        people = os.path.join(work, "people.csv")
        write_csv(people, org.rows + [plh])
        assert wfactl(system, "import", "employees", people)[0] == 0
        policy = os.path.join(work, "policy.ini")
        open(policy, "w").write(CHAIN)
        code, reply = wfactl(system, "policy", "set", "--pemda", org.pemda, policy, "--as", bkd["nip"])
        assert code == 0 and reply["version"] == 1, reply

        staff = org.staff[0]["nip"]
        atasan = org.staff[0]["supervisor_nip"]
        kepala = org.kepala["DINKES"]["nip"]
        code, reply = wfactl(system, "submit", "--as", staff, "--kind", "rumah", "--dates", weekly_monday(1),
                             "--location", "Rumah", "--reason", "Analisis data")
        assert code == 0, reply
        rid = reply["request_id"]

        # Step 1: the atasan sends it back; the employee revises and resubmits
        wait_until("step 1", lambda: awaits(system, atasan, rid), 15)
        code, reply = wfactl(system, "decide", rid, "--as", atasan, "--return", "--note", "Tambahkan target")
        assert code == 0 and reply["state"] == "returned", reply
        code, reply = wfactl(system, "resubmit", rid, "--as", staff, "--kind", "rumah", "--dates",
                             weekly_monday(1), "--location", "Rumah", "--reason", "Analisis data",
                             "--plan", "Target: 2 laporan")
        assert code == 0, reply
        wait_until("step 1 again", lambda: awaits(system, atasan, rid), 15)
        code, out = human(system, "decide", rid, "--as", atasan, "--approve")
        assert code == 1 and "error: ASSESSMENT_MISSING:" in out and "tasks_fit" in out, out
        assert wfactl(system, "decide", rid, "--as", atasan, "--approve", "--tasks-fit",
                      "--targets-measurable")[1]["state"] == "pending"

        # Step 2: the kepala OPD is away; the Plh acts for them
        wait_until("step 2", lambda: awaits(system, kepala, rid), 15)
        assert not awaits(system, plh["nip"], rid)
        code, reply = wfactl(system, "decide", rid, "--as", plh["nip"], "--approve")
        assert code != 0 and reply["code"] == "NOT_YOUR_DECISION", reply
        today = today_wib().isoformat()
        # The kepala OPD cannot name their own stand-in; the BKD appoints one, under an order
        code, reply = wfactl(system, "delegate", "--as", kepala, "--for", kepala, "--to", plh["nip"],
                             "--from", today, "--until", weekly_monday(3), "--order-ref", "800/1/2026")
        assert code != 0 and reply["code"] == "FORBIDDEN", reply
        code, out = human(system, "delegate", "--as", bkd["nip"], "--for", kepala, "--to", plh["nip"],
                          "--from", today, "--until", weekly_monday(3), "--order-ref",
                          "800.1.3/45/427.35/2026", "--reason", "Dinas luar")
        assert code == 0 and "%s acts for %s" % (plh["nip"], kepala) in out and "800.1.3/45" in out, out
        assert awaits(system, plh["nip"], rid)
        code, reply = wfactl(system, "decide", rid, "--as", plh["nip"], "--approve", "--note", "Atas nama kepala",
                             "--service-continues", "--capacity-ok")
        assert code == 0 and reply["state"] == "pending", reply

        # Step 3: BKD
        wait_until("step 3", lambda: awaits(system, bkd["nip"], rid), 15)
        code, out = human(system, "decide", rid, "--as", bkd["nip"], "--approve")
        number = "000001/WFA/%s/%d" % (org.pemda, today_wib().year)
        assert code == 0 and "is now approved (nomor persetujuan %s)" % number in out, out
        # wfactl show: each step's record and the number
        code, out = human(system, "show", rid, "--as", staff)
        assert code == 0 and "tasks_fit=true" in out and "service_continues=true" in out, out
        assert "nomor         %s" % number in out, out

        code, trail = wfactl(system, "audit", rid)
        steps = [(e["action"], e["actor"], e["role"], e["on_behalf_of"]) for e in trail["entries"]
                 if e["action"] in ("return", "resubmit", "approve")]
        assert steps == [("return", atasan, "atasan", ""), ("resubmit", staff, "pegawai", ""),
                         ("approve", atasan, "atasan", ""), ("approve", plh["nip"], "kepala_opd", kepala),
                         ("approve", bkd["nip"], "bkd", "")], trail
        code, report = wfactl(system, "audit", "verify", "--pemda", org.pemda)
        assert code == 0 and report["valid"], report

        # Bulk: two requests pending for the atasan and one that is not theirs, in one call
        ids = []
        for n, other in enumerate(org.staff[1:]):
            code, reply = wfactl(system, "submit", "--as", other["nip"], "--kind", "rumah", "--dates",
                                 weekly_monday(2), "--location", "Rumah", "--reason", "Bulk %d" % n)
            ids.append(reply["request_id"])
        for each in ids:
            wait_until("bulk pending", lambda: awaits(system, atasan, each), 15)
        code, reply = wfactl(system, "decide", ids[0], ids[1], rid, "--as", atasan, "--approve",
                             "--tasks-fit", "--targets-measurable")
        assert code != 0, reply                     # one of the three is refused
        results = reply["results"]
        assert [r["status"] for r in results] == ["ok", "ok", "error"], results
        assert results[2]["code"] == "NOT_PENDING" and reply["done"] == 2, results

        # Withdrawn: the Plh no longer sees what awaits the kepala
        assert wfactl(system, "delegate", "--as", bkd["nip"], "--for", kepala, "--withdraw")[0] == 0
        wait_until("step 2 of a bulk request", lambda: awaits(system, kepala, ids[0]), 15)
        assert not awaits(system, plh["nip"], ids[0])
        code, reply = wfactl(system, "decide", ids[0], "--as", plh["nip"], "--approve")
        assert code != 0 and reply["code"] == "NOT_YOUR_DECISION", reply
