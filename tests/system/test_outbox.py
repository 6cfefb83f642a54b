"""The outbox is read and trimmed: every consumer group of a pemda's stream is read by a
running service, each catches up (lag 0, nothing pending), and the consumers trim what
every group acknowledged once it is past the retention, so the stream does not grow
forever. A group nobody reads would hold every entry back; the group an older version
created for approvals (which consumes nothing since submit opens step 1 itself) is
destroyed by the trimmer. The runs shorten the retention to 0 and trim every 200 ms
(WFA_RETENTION_H, WFA_TRIM_MS) so trimming is seen at once."""

from harness import STEP_FIELDS, System, Org, import_rows, ok, wait_until, weekly_monday

TRIM_OFTEN = {"WFA_RETENTION_H": "0", "WFA_TRIM_MS": "200"}
# The services that run event handlers on the outbox (services/*/main.c s_events)
CONSUMERS = {"notifications", "metrics", "monev"}


def stream(pemda):
    return "wfa:{%s}:events" % pemda


def groups(system, pemda):
    """XINFO GROUPS of the pemda's outbox: {name: {field: value}} (redis-cli prints each
    field and each value on a line of its own; an empty line for a nil)."""
    lines = system.redis("XINFO", "GROUPS", stream(pemda)).split("\n")
    found, current = {}, None
    for n in range(0, len(lines) - 1, 2):
        field, value = lines[n], lines[n + 1]
        if field == "name":
            current = found[value] = {}
        elif current is not None:
            current[field] = value
    return found


def xlen(system, pemda):
    return int(system.redis("XLEN", stream(pemda)).strip())


def submit_and_decide(client, org, count, key, week=1):
    """count submissions by the staff, one a week from week on, each approved by its
    supervisor at step 1."""
    for n in range(count):
        staff = org.staff[n % len(org.staff)]
        reply = ok(client.call("REQUEST.SUBMIT", {
            "key": "%s-s%d" % (key, n), "as": staff["nip"], "kind": "rumah",
            "dates": [weekly_monday(week + n)], "location": "Rumah", "reason": "Menyusun laporan"}))
        body = {"key": "%s-d%d" % (key, n), "as": reply["approver"],
                "request_id": reply["request_id"], "decision": "approve", "note": "Setuju"}
        body.update(STEP_FIELDS["atasan"])
        ok(client.call("APPROVAL.DECIDE", body))


def caught_up(system, pemda):
    info = groups(system, pemda)
    return all(g.get("lag") == "0" and g.get("pending") == "0" for g in info.values())


def test_every_group_is_read_by_a_running_service_and_the_outbox_is_trimmed():
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System(verbose=False, extra_env=TRIM_OFTEN) as system:
        client = system.client()
        import_rows(client, org.rows)
        submit_and_decide(client, org, 2, "a")
        # Only groups a running service consumes, each caught up
        wait_until("every group caught up", lambda: caught_up(system, org.pemda), 20)
        info = groups(system, org.pemda)
        assert set(info) == CONSUMERS, info
        for name in info:
            assert any(p and p.poll() is None for p in system.procs[name]), name
        # Trimmed down to at most the last entry every group has read (retention 0)
        wait_until("the outbox trimmed", lambda: xlen(system, org.pemda) <= 1, 10)

        # One consumer down: its group holds the new entries back
        system.kill9("metrics", 0)
        submit_and_decide(client, org, 3, "b", week=3)
        held = xlen(system, org.pemda)
        assert held >= 6, held          # submitted, pending, approved... of three requests
        assert int(groups(system, org.pemda)["metrics"]["lag"]) >= 6, groups(system, org.pemda)
        # Back up, it reads them, and the stream falls again once it acknowledged them
        system.start("metrics", 0)
        wait_until("every group caught up again", lambda: caught_up(system, org.pemda), 20)
        wait_until("the outbox trimmed again", lambda: xlen(system, org.pemda) <= 1, 10)
        assert set(groups(system, org.pemda)) == CONSUMERS


def test_a_stale_approvals_group_is_destroyed_and_trimming_resumes():
    """An outbox registered by an older version has an approvals group, which nobody reads
    any more: the consumers' trim destroys it (XGROUP DESTROY) instead of keeping every
    entry for it."""
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System(verbose=False, extra_env=TRIM_OFTEN) as system:
        client = system.client()
        import_rows(client, org.rows)
        # Stop the trimmers while the old group goes in, so it is seen holding entries back
        for name in CONSUMERS:
            system.kill9(name, 0)
        assert system.redis("XGROUP", "CREATE", stream(org.pemda), "approvals", "0").strip() \
            == "OK"
        submit_and_decide(client, org, 2, "a")
        assert "approvals" in groups(system, org.pemda)
        before = xlen(system, org.pemda)
        assert before >= 4, before
        for name in CONSUMERS:
            system.start(name, 0)
        wait_until("the approvals group destroyed",
                   lambda: "approvals" not in groups(system, org.pemda), 10)
        wait_until("every group caught up", lambda: caught_up(system, org.pemda), 20)
        wait_until("the outbox trimmed", lambda: xlen(system, org.pemda) <= 1, 10)
        assert set(groups(system, org.pemda)) == CONSUMERS
        assert any("retired group approvals destroyed" in system.log_text(name)
                   for name in CONSUMERS)
