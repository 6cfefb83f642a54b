"""Capacity per unit (bidang, UPT, Puskesmas: the personnel data's `unit` column, imported as
JSON rows or CSV): at final approval a policy may cap the people of one unit away on a day and
keep a minimum of the OPD and of each unit at the office, checked with the OPD's capacity in
the same atomic step; a refusal names the day and the unit and writes nothing, and a cancel
gives the unit's day back."""

import csv
import os
import subprocess
import tempfile

from harness import (ROOT, System, Org, employee, import_rows, make_nip, ok, wait_until, week_days,
                     wfactl_env)

POLICY = """[chain]
step = bkd, sla_hours=72, on_timeout=remind
[opd DINKES]
capacity.unit_max_people_per_day = 1
capacity.unit_min_present_per_day = 2
[opd DISDIK]
capacity.unit_min_present_per_day = 2
[opd BAPPEDA]
capacity.min_present_per_day = 3
"""

# (who, day, outcome, what the refusal names)  - days: 0 and 1 of week slot 1
CASES = [
    ("a0", 0, "approved", None),
    ("a1", 0, "UNIT_CAPACITY_FULL", "DINKES/PKM-A {d0}: 1 of 1"),
    ("a1", 1, "approved", None),
    ("b0", 0, "TOO_FEW_PRESENT", "DINKES/PKM-B {d0}: 1 < 2"),     # 2 in the unit, 2 must stay
    ("c0", 0, "approved", None),
    ("c1", 0, "TOO_FEW_PRESENT", "DISDIK/UPT-1 {d0}: 1 < 2"),
    ("e0", 0, "approved", None),                                    # BAPPEDA: 5, 3 must stay
    ("e1", 0, "approved", None),
    ("e2", 0, "TOO_FEW_PRESENT", "BAPPEDA {d0}: 2 < 3"),
]


def test_unit_capacity_and_minimum_present():
    org = Org(opds=("DINKES", "DISDIK", "BAPPEDA"), supervisors=1, staff=3)
    staff = {opd: [s for s in org.staff if s["opd"] == opd] for opd in org.opds}
    who = {}
    for n, row in enumerate(staff["DINKES"]):
        row["unit"] = "PKM-A"
        who["a%d" % n] = row["nip"]
    for n, row in enumerate(staff["DISDIK"]):
        row["unit"] = "UPT-1"
        who["c%d" % n] = row["nip"]
    for n, row in enumerate(staff["BAPPEDA"]):
        who["e%d" % n] = row["nip"]
    boss = [s for s in org.supervisors if s["opd"] == "DINKES"][0]
    boss["unit"] = "PKM-A"
    bkd = employee(make_nip(960), "Pejabat BKD", org.pemda, "BKD", "Analis SDM", org.sekda["nip"],
                   ("pegawai", "bkd"))
    # Puskesmas B comes from a CSV file with the unit column, through wfactl
    pkm_b = [employee(make_nip(970 + n), "Bidan PKM-B %d" % n, org.pemda, "DINKES", "Bidan", boss["nip"])
             for n in range(2)]
    days = week_days(1, 2)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows + [bkd])
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["nip", "name", "pemda", "opd", "position", "supervisor_nip", "roles", "unit",
                             "service_start", "position_eligible"])
            for row in pkm_b:
                writer.writerow([row["nip"], row["name"], row["pemda"], row["opd"], row["position"],
                                 row["supervisor_nip"], "pegawai", "PKM-B", row["service_start"],
                                 row["position_eligible"]])
        try:
            result = subprocess.run([os.path.join(ROOT, "build", "bin", "wfactl"), "import", "employees",
                                     f.name], capture_output=True, text=True, env=wfactl_env(system), timeout=30)
            assert result.returncode == 0, result.stdout + result.stderr
        finally:
            os.unlink(f.name)
        who.update({"b%d" % n: row["nip"] for n, row in enumerate(pkm_b)})
        assert ok(client.call("EMPLOYEE.GET", {"nip": who["b0"]}))["employee"]["unit"] == "PKM-B"
        # A bad unit code is refused row by row
        bad = dict(pkm_b[0], unit="PKM B!")
        reply = client.call("EMPLOYEE.IMPORT", {"key": "bad-unit", "rows": [bad]})
        assert reply["status"] == "error" and reply["errors"][0]["field"] == "unit", reply
        ok(client.call("POLICY.SET", {"key": "p", "pemda": org.pemda, "as": org.sekda["nip"], "text": POLICY}))

        requests = {}
        for n, (person, day, outcome, named) in enumerate(CASES):
            rid = ok(client.call("REQUEST.SUBMIT", {"key": "s%d" % n, "as": who[person], "kind": "rumah",
                                                    "dates": [days[day]], "location": "Rumah",
                                                    "reason": "Uji unit", "lang": "en"}))["request_id"]
            requests[(person, day)] = rid
            wait_until("%s pending" % rid, lambda: ok(client.call(
                "REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending", 20)
            reply = client.call("APPROVAL.DECIDE", {"key": "d%d" % n, "as": bkd["nip"], "request_id": rid,
                                                    "decision": "approve", "lang": "en"})
            if outcome == "approved":
                assert reply["status"] == "ok" and reply["state"] == "approved", (person, reply)
            else:
                assert reply["code"] == outcome, (person, reply)
                assert named.format(d0=days[0]) in reply["message"], (person, reply)
                # A refusal writes nothing: the request still waits, no day was taken
                assert ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending"
                opd = "BAPPEDA" if person.startswith("e") else "DISDIK" if person.startswith("c") else "DINKES"
                taken = system.redis("SMEMBERS", "wfa:{%s}:cap:%s:%s" % (org.pemda, opd, days[day]))
                assert who[person] not in taken, taken
        # A cancel gives the unit's day back: the refused one can then be approved
        ok(client.call("REQUEST.CANCEL", {"key": "c", "as": who["a0"], "request_id": requests[("a0", 0)]}))
        reply = client.call("APPROVAL.DECIDE", {"key": "again", "as": bkd["nip"],
                                                "request_id": requests[("a1", 0)], "decision": "approve"})
        assert reply["status"] == "ok" and reply["state"] == "approved", reply
        assert ok(client.call("REQUEST.GET", {"request_id": requests[("a1", 0)]}))["request"]["unit"] == "PKM-A"
