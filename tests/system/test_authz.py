"""Who may do what: every (role x action x own OPD / other OPD / other pemda) cell, against
the real services.

The expected answer of each read cell comes from the matrix in docs/rules.md (itself checked
against the table the services are built with); the workflow writes follow the "who may"
column of docs/rules.md Part 2. Each role is held by one person:

    pemda 35.08  BKD     kepala KB; bkd BK, admin_pemda AD, integrator IN (report to KB)
                 DINKES  kepala K1; atasan S1 (reports to K1); pegawai P1 (reports to S1)
                 DISDIK  kepala K2; atasan S2
    pemda 35.09  BKD     bkd BK3;  DINKES kepala K3, atasan S3
    national     kemendagri (a Kemendagri reader's own key, wfactl keys issue --kemendagri)

For an actor, "own" is an employee of the actor's OPD reporting to the OPD's atasan (S1 in
DINKES, BK in BKD; Kemendagri's "own" is DINKES of 35.08), "other" one of DISDIK, "far" one of
35.09. Reads that succeed must answer ok; refusals must be FORBIDDEN (or NOT_YOUR_DECISION for
a decision in the actor's own pemda that is not theirs)."""

import itertools
import os
import re
import subprocess

from harness import (KEMENDAGRI, ROOT, STEP_FIELDS, System, binary, employee, import_rows, key_path, make_nip, ok,
                     today_wib, wait_until, weekly_monday)

A, B = "35.08", "35.09"
STEP_ROLES = ["atasan", "kepala_opd", "bkd"]      # the steps of CHAIN, in order
ROLES = ["pegawai", "atasan", "kepala_opd", "bkd", "admin_pemda", "integrator", "kemendagri"]
RELATIONS = ["own", "other", "far"]
CHAIN = """[chain]
step = atasan, sla_hours=24, on_timeout=remind
step = kepala_opd, sla_hours=48, on_timeout=remind
step = bkd, sla_hours=72, on_timeout=remind
"""
DENIED = ("FORBIDDEN",)


def person_denied(scope):
    """What a read of one person out of the reader's reach answers: NOT_FOUND, as for a NIP
    on record nowhere (docs/protocol.md, "no oracle"); FORBIDDEN for a reader whose scope
    for the action is none (who reaches nobody)."""
    return DENIED if scope == "none" else ("NOT_FOUND",)


def docs_matrix():
    """{action: {role: scope}} from the table in docs/rules.md."""
    text = open(os.path.join(ROOT, "docs", "rules.md")).read()
    rows = re.findall(r"^\| (.+) \|$", text, re.M)
    header = [cell.strip() for cell in rows[[r.startswith("action |") for r in rows].index(True)].split("|")]
    assert header == ["action"] + ROLES, header
    matrix = {}
    for row in rows:
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) == len(header) and "." in cells[0] and cells[0] != "action":
            matrix[cells[0]] = dict(zip(ROLES, cells[1:]))
    return matrix


def test_docs_matrix_is_the_built_one():
    built = subprocess.run([binary("wfa-selftest"), "-t", "wfa_authz", "-v"], capture_output=True,
                           text=True, timeout=60).stdout
    table = "\n".join(line for line in built.splitlines() if line.startswith("|"))
    assert table and table in open(os.path.join(ROOT, "docs", "rules.md")).read(), \
        "docs/rules.md must hold the matrix exactly as built:\n" + table
    matrix = docs_matrix()
    assert set(matrix) == {"request.read", "request.list", "employee.read", "metrics.read",
                           "audit.verify", "settings.read", "employee.import",
                           "employee.deactivate", "credentials.manage"}, matrix


class People:
    def __init__(self):
        counter = itertools.count(7000)
        self.rows = []

        def add(name, pemda, opd, supervisor, roles):
            row = employee(make_nip(next(counter)), name, pemda, opd, "Jabatan", supervisor,
                           ["pegawai"] + roles)
            self.rows.append(row)
            return row["nip"]

        self.KB = add("Kepala BKD", A, "BKD", "", ["atasan", "kepala_opd"])
        self.BK = add("Petugas BKD", A, "BKD", self.KB, ["atasan", "bkd"])
        self.AD = add("Admin Pemda", A, "BKD", self.KB, ["admin_pemda"])
        self.IN = add("Integrator e-Kinerja", A, "BKD", self.KB, ["integrator"])
        self.K1 = add("Kepala Dinkes", A, "DINKES", "", ["atasan", "kepala_opd"])
        self.S1 = add("Atasan Dinkes", A, "DINKES", self.K1, ["atasan"])
        self.P1 = add("Pegawai Dinkes", A, "DINKES", self.S1, [])
        self.K2 = add("Kepala Disdik", A, "DISDIK", "", ["atasan", "kepala_opd"])
        self.S2 = add("Atasan Disdik", A, "DISDIK", self.K2, ["atasan"])
        self.BK3 = add("Petugas BKD B", B, "BKD", "", ["atasan", "bkd"])
        self.K3 = add("Kepala Dinkes B", B, "DINKES", "", ["atasan", "kepala_opd"])
        self.S3 = add("Atasan Dinkes B", B, "DINKES", self.K3, ["atasan"])
        self.actor = {"pegawai": self.P1, "atasan": self.S1, "kepala_opd": self.K1, "bkd": self.BK,
                      "admin_pemda": self.AD, "integrator": self.IN, "kemendagri": KEMENDAGRI}
        self.counter = counter
        self.add = add

    def home(self, role, relation):
        """(pemda, opd, supervisor) of the target for an actor of role, by relation."""
        if relation == "far":
            return B, "DINKES", self.S3
        if relation == "other":
            return A, "DISDIK", self.S2
        if role in ("bkd", "admin_pemda", "integrator"):
            return A, "BKD", self.BK
        return A, "DINKES", self.S1

    def target(self, role, relation, purpose):
        pemda, opd, supervisor = self.home(role, relation)
        return {"nip": self.add("Sasaran %s %s %s" % (purpose, role, relation), pemda, opd,
                                supervisor, []), "pemda": pemda, "opd": opd, "supervisor": supervisor}

    def approvers(self, target):
        """The three steps' approvers of a target's request."""
        kepala = {"BKD": self.KB, "DINKES": self.K1 if target["pemda"] == A else self.K3,
                  "DISDIK": self.K2}[target["opd"]]
        return [target["supervisor"], kepala, self.BK if target["pemda"] == A else self.BK3]


def scope_reaches(scope, kind, relation, actor_is_supervisor):
    """Whether a scope of the docs' matrix reaches a target of a kind (person, opd, pemda)."""
    if scope == "all pemda":
        return True
    if relation == "far" or scope == "none":
        return False
    if scope == "own pemda":
        return True
    if scope == "own OPD":
        return relation == "own" and kind in ("person", "opd")
    if scope == "own + team":
        return relation == "own" and kind == "person" and actor_is_supervisor
    return False            # "own": a target is never the actor


def test_every_role_action_and_reach():
    people = People()
    # Targets: one per relation and actor OPD for reads (they change nothing), one per
    # (role, relation) for each write that succeeds
    read_targets = {(role, relation): None for role in ROLES for relation in RELATIONS}
    shared = {}
    for role, relation in read_targets:
        home = people.home(role, relation)
        if home not in shared:
            shared[home] = people.target(role, relation, "baca")
        read_targets[(role, relation)] = shared[home]
    decide_targets = {(r, rel): people.target(r, rel, "putus") for r in ROLES for rel in RELATIONS}
    revoke_targets = {(r, rel): people.target(r, rel, "cabut") for r in ROLES for rel in RELATIONS}
    matrix = docs_matrix()
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, people.rows)
        for pemda, admin in ((A, people.AD), (B, people.BK3)):
            ok(client.call("POLICY.SET", {"key": "p" + pemda, "pemda": pemda, "as": admin, "text": CHAIN}))

        def submit(target, week):
            reply = ok(client.call("REQUEST.SUBMIT", {
                "key": "s-" + target["nip"], "as": target["nip"], "kind": "rumah",
                "dates": [weekly_monday(week)], "location": "Rumah", "reason": "Uji wewenang"}))
            target["rid"] = reply["request_id"]

        def at_step(target, step):
            def reached():
                request = ok(client.call("REQUEST.GET", {"request_id": target["rid"]}))["request"]
                return request["state"] == "pending" and request["step"] == step
            wait_until("%s at step %d" % (target["rid"], step), reached, 20)

        def advance(target, steps):
            """Approve the first `steps` steps."""
            for n, approver in enumerate(people.approvers(target)[:steps]):
                at_step(target, n + 1)
                body = {"key": "a%d-%s" % (n, target["rid"]), "as": approver,
                        "request_id": target["rid"], "decision": "approve"}
                body.update(STEP_FIELDS[STEP_ROLES[n]])
                ok(client.call("APPROVAL.DECIDE", body))

        for target in list(shared.values()) + list(decide_targets.values()) + list(revoke_targets.values()):
            submit(target, 1)
        step_of = {"atasan": 1, "kepala_opd": 2, "bkd": 3}
        for (role, relation), target in decide_targets.items():
            advance(target, step_of.get(role, 1) - 1)
            at_step(target, step_of.get(role, 1))
        for target in revoke_targets.values():
            advance(target, 3)

        cells = 0
        problems = []

        def check(what, role, relation, allowed, reply, denied=DENIED):
            nonlocal cells
            cells += 1
            got = reply.get("code")
            if allowed and got != "OK":
                problems.append("%s by %s on %s: expected OK, got %s %s" % (
                    what, role, relation, got, reply.get("message")))
            if not allowed and got not in denied:
                problems.append("%s by %s on %s: expected %s, got %s" % (what, role, relation,
                                                                          "/".join(denied), got))

        for role in ROLES:
            actor = people.actor[role]
            for relation in RELATIONS:
                t = read_targets[(role, relation)]
                boss = t["supervisor"] == actor
                reach = {action: matrix[action][role] for action in matrix}
                as_ = {"as": actor}
                # Reads of a person's records
                for cmd, body in (("REQUEST.GET", {"request_id": t["rid"]}),
                                  ("AUDIT.REQUEST", {"request_id": t["rid"]})):
                    check(cmd, role, relation, scope_reaches(reach["request.read"], "person", relation, boss),
                          client.call(cmd, dict(body, **as_)))
                # A person out of reach reads as one on record nowhere (no oracle)
                check("REQUEST.LIST nip", role, relation,
                      scope_reaches(reach["request.list"], "person", relation, boss),
                      client.call("REQUEST.LIST", dict(as_, pemda=t["pemda"], nip=t["nip"])),
                      denied=person_denied(reach["request.list"]))
                check("REQUEST.LIST opd", role, relation,
                      scope_reaches(reach["request.list"], "opd", relation, boss),
                      client.call("REQUEST.LIST", dict(as_, pemda=t["pemda"], opd=t["opd"])))
                # Without a filter, a narrow reader gets what they reach, never more
                listed = client.call("REQUEST.LIST", dict(as_, pemda=t["pemda"], opd=""))
                check("REQUEST.LIST pemda", role, relation, relation != "far" or role == "kemendagri", listed)
                if listed.get("code") == "OK" and reach["request.list"] in ("own", "own + team"):
                    assert all(r["nip"] == actor for r in listed["requests"]), (role, listed)
                if listed.get("code") == "OK" and reach["request.list"] == "own OPD":
                    assert {r["opd"] for r in listed["requests"]} == {"DINKES"}, (role, listed)
                check("EMPLOYEE.GET", role, relation,
                      scope_reaches(reach["employee.read"], "person", relation, boss),
                      client.call("EMPLOYEE.GET", dict(as_, nip=t["nip"])),
                      denied=person_denied(reach["employee.read"]))
                check("METRICS.GET opd", role, relation,
                      scope_reaches(reach["metrics.read"], "opd", relation, boss),
                      client.call("METRICS.GET", dict(as_, pemda=t["pemda"], opd=t["opd"])))
                check("METRICS.GET pemda", role, relation,
                      scope_reaches(reach["metrics.read"], "pemda", relation, boss),
                      client.call("METRICS.GET", dict(as_, pemda=t["pemda"])))
                check("AUDIT.VERIFY", role, relation,
                      scope_reaches(reach["audit.verify"], "pemda", relation, boss),
                      client.call("AUDIT.VERIFY", dict(as_, pemda=t["pemda"])))
                for cmd in ("POLICY.GET", "CALENDAR.GET"):
                    check(cmd, role, relation, scope_reaches(reach["settings.read"], "pemda", relation, boss),
                          client.call(cmd, dict(as_, pemda=t["pemda"])))
                # Importing a new person into the target's OPD
                row = employee(make_nip(next(people.counter)), "Baru", t["pemda"], t["opd"], "Staf",
                               t["supervisor"], ["pegawai"])
                check("EMPLOYEE.IMPORT", role, relation,
                      scope_reaches(reach["employee.import"], "pemda", relation, boss),
                      client.call("EMPLOYEE.IMPORT", dict(as_, key="i-%s-%s" % (role, relation), rows=[row])))

                # The workflow's writes (docs/rules.md Part 2)
                same_pemda = relation != "far" and role != "kemendagri"
                d = decide_targets[(role, relation)]
                decides = ((role == "atasan" and relation == "own") or
                           (role == "kepala_opd" and relation == "own") or
                           (role == "bkd" and relation != "far"))
                fields = STEP_FIELDS[STEP_ROLES[step_of.get(role, 1) - 1]]
                check("APPROVAL.DECIDE", role, relation, decides,
                      client.call("APPROVAL.DECIDE", dict(as_, key="d", request_id=d["rid"], decision="approve",
                                                          **fields)),
                      denied=("NOT_YOUR_DECISION",) if same_pemda else DENIED)
                r = revoke_targets[(role, relation)]
                wait_until("%s approved" % r["rid"], lambda: ok(client.call(
                    "REQUEST.GET", {"request_id": r["rid"]}))["request"]["state"] == "approved", 20)
                revokes = (role == "kepala_opd" and relation == "own") or (role == "bkd" and relation != "far")
                check("REQUEST.REVOKE", role, relation, revokes,
                      client.call("REQUEST.REVOKE", dict(as_, key="r", request_id=r["rid"],
                                                         **{"from": weekly_monday(1), "reason": "Uji"})))
                check("REQUEST.CANCEL", role, relation, False,
                      client.call("REQUEST.CANCEL", dict(as_, key="c", request_id=t["rid"])))
                rules_setter = role in ("bkd", "admin_pemda") and same_pemda
                check("POLICY.SET", role, relation, rules_setter,
                      client.call("POLICY.SET", dict(as_, key="ps-" + relation, pemda=t["pemda"], text=CHAIN)))
                check("CALENDAR.SET", role, relation, rules_setter,
                      client.call("CALENDAR.SET", dict(as_, key="cs-" + relation, pemda=t["pemda"], days=[
                          {"date": "2099-08-17", "kind": "nasional", "name": "Hari Kemerdekaan"}])))

        # Everyone on record reads their own requests and record; Kemendagri has none
        for role in ROLES[:-1]:
            actor = people.actor[role]
            check("EMPLOYEE.GET self", role, "self", True,
                  client.call("EMPLOYEE.GET", {"as": actor, "nip": actor}))
            check("REQUEST.LIST self", role, "self", True, client.call("REQUEST.LIST", {"as": actor}))
        # A request waiting for someone is theirs to read, even outside their reach: S2, of
        # DISDIK, reads a DINKES request once the kepala OPD K1 appoints S2 Plt for its atasan S1
        waiting = decide_targets[("pegawai", "own")]              # at step 1, for S1
        check("REQUEST.GET not awaiting", "atasan", "other OPD", False,
              client.call("REQUEST.GET", {"as": people.S2, "request_id": waiting["rid"]}))
        ok(client.call("APPROVAL.DELEGATE", {"key": "plt", "as": people.K1, "approver": people.S1,
                                             "to": people.S2, "from": today_wib().isoformat(),
                                             "until": weekly_monday(3), "order_ref": "800/1"}))
        check("REQUEST.GET awaiting", "atasan", "other OPD, as Plt", True,
              client.call("REQUEST.GET", {"as": people.S2, "request_id": waiting["rid"]}))
        # Kemendagri changes nothing: not even as a would-be employee or approver
        for cmd, body in (("REQUEST.SUBMIT", {"key": "k", "kind": "rumah", "dates": [weekly_monday(2)],
                                              "location": "x", "reason": "y"}),
                          ("APPROVAL.DELEGATE", {"key": "k", "approver": people.S1, "to": people.P1,
                                                 "from": weekly_monday(1), "until": weekly_monday(2),
                                                 "order_ref": "800/2"}),
                          ("APPROVAL.LIST", {}), ("INBOX.LIST", {})):
            check(cmd, "kemendagri", "any", False, client.call(cmd, dict(body, **{"as": KEMENDAGRI})))
        # Only the operator's key imports naming nobody: the gateway's, which acts only for
        # someone, does not (test_identity covers the keys themselves)
        with system.client(identity=key_path(system.keys, "gateway")) as gateway:
            check("EMPLOYEE.IMPORT naming nobody", "gateway", "any", False,
                  gateway.call("EMPLOYEE.IMPORT", {"key": "bt", "rows": people.rows[:1]}),
                  denied=("MISSING_FIELD",))
        assert problems == [], "%d of %d cells wrong:\n%s" % (len(problems), cells, "\n".join(problems))
        assert cells >= len(ROLES) * len(RELATIONS) * 17, cells
        system.assert_alive()


def test_imports_cannot_escalate():
    """Review findings: nobody grants themselves roles or becomes someone's atasan through an
    import; a Kemendagri reader's key stays read-only even when its NIP is imported with
    roles (roles go with the person's own key); import keys are the importer's own; a Plt
    named for later does not read yet; every refused row is reported."""
    people = People()
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, people.rows)
        rows = {row["nip"]: row for row in people.rows}

        def imp(actor, key, *new_rows):
            return client.call("EMPLOYEE.IMPORT", {"as": actor, "key": key, "rows": list(new_rows)})

        def with_roles(nip, roles, **extra):
            return dict(rows[nip], roles=roles, **extra)

        def refused(reply, field, count=1):
            assert reply["code"] == "FORBIDDEN", reply
            assert [e["field"] for e in reply["errors"]] == [field] * count, reply

        refused(imp(people.IN, "k1", with_roles(people.IN, ["pegawai", "integrator", "admin_pemda"])), "roles")
        refused(imp(people.AD, "k2", with_roles(people.AD, ["pegawai", "admin_pemda", "bkd"])), "roles")
        refused(imp(people.IN, "k3", with_roles(people.P1, ["pegawai", "bkd"])), "roles")
        newcomer = employee(make_nip(9100), "Baru", A, "DINKES", "Staf", people.S1, ["pegawai", "kepala_opd"])
        refused(imp(people.IN, "k4", newcomer), "roles")
        ok(imp(people.IN, "k5", dict(newcomer, roles=["pegawai", "atasan"])))
        ok(imp(people.AD, "k6", with_roles(people.P1, ["pegawai", "bkd"])))    # an admin grants
        refused(imp(people.AD, "k7", dict(rows[people.S1], supervisor_nip=people.AD)), "supervisor_nip")
        national = employee(KEMENDAGRI, "Pusat", A, "BKD", "Analis", "", ["pegawai", "bkd"])
        ok(imp(people.AD, "k8", national))
        # The call goes with the reader's own key (harness.Client): read-only all the same
        reply = client.call("POLICY.SET", {"key": "pk", "pemda": A, "as": KEMENDAGRI, "text": CHAIN})
        assert reply["code"] == "FORBIDDEN", reply
        assert client.call("REQUEST.SUBMIT", {"key": "k9", "as": KEMENDAGRI, "kind": "rumah",
                                              "dates": [weekly_monday(2)], "location": "x",
                                              "reason": "y"})["code"] == "FORBIDDEN"
        # Every refused row is told, not only the first
        three = [with_roles(n, ["pegawai", "bkd"]) for n in (people.IN, people.S2, people.K2)]
        reply = imp(people.IN, "k10", *three)
        assert reply["code"] == "FORBIDDEN" and sorted(e["index"] for e in reply["errors"]) == [0, 1, 2], reply
        # One importer's key is not another's
        first = employee(make_nip(9101), "Satu", A, "DINKES", "Staf", people.S1)
        second = employee(make_nip(9102), "Dua", A, "DINKES", "Staf", people.S1)
        ok(imp(people.AD, "same", first))
        ok(imp(people.IN, "same", second))
        ok(client.call("EMPLOYEE.GET", {"nip": second["nip"]}))
        # A Plt named for later does not read the request yet
        target = people.target("pegawai", "own", "plt")
        import_rows(client, [r for r in people.rows if r["nip"] == target["nip"]], key_prefix="plt")
        rid = ok(client.call("REQUEST.SUBMIT", {"key": "s", "as": target["nip"], "kind": "rumah",
                                                "dates": [weekly_monday(1)], "location": "Rumah",
                                                "reason": "Uji"}))["request_id"]
        wait_until("the request to await S1", lambda: ok(client.call(
            "REQUEST.GET", {"request_id": rid}))["request"]["state"] == "pending", 20)
        ok(client.call("APPROVAL.DELEGATE", {"key": "later", "as": people.K1, "approver": people.S1,
                                             "to": people.S2, "from": weekly_monday(2),
                                             "until": weekly_monday(3), "order_ref": "800/3"}))
        assert client.call("REQUEST.GET", {"as": people.S2, "request_id": rid})["code"] == "FORBIDDEN"
        system.assert_alive()
