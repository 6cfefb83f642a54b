"""Retries with the same idempotency key get the first answer, even when the world moved on:
a submission retried after midnight (its dates no longer in the future), and an import
batch retried after it was stored (its rows now 'updated', not 'created')."""

import datetime
import os
import tempfile

from harness import System, Clock, Org, ok, staffed, workdays


def test_submit_retry_after_the_clock_moved_gets_the_first_answer():
    clock = Clock(os.path.join(tempfile.mkdtemp(prefix="fleksi-idem-"), "clock"))
    with System(verbose=False, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client, org = staffed(system, Org(opds=("DINKES",), supervisors=1, staff=1))
        nip = org.staff[0]["nip"]
        body = {"key": "k-midnight", "as": nip, "kind": "rumah", "dates": workdays(1),
                "location": "Rumah", "reason": "Laporan"}
        first = ok(client.call("REQUEST.SUBMIT", body))
        # The very same call, retried when its date is no longer after today: the
        # services' clock moves on to the day after it
        clock.set(datetime.date.fromisoformat(body["dates"][0]) + datetime.timedelta(days=1), 10)
        again = ok(client.call("REQUEST.SUBMIT", body))
        assert again["request_id"] == first["request_id"], (first, again)
        # A new key with that date, now past, is judged, and refused
        fresh = client.call("REQUEST.SUBMIT", dict(body, key="k-new"))
        assert fresh["code"] == "DATE_NOT_FUTURE", fresh
        listed = ok(client.call("REQUEST.LIST", {"pemda": org.pemda, "nip": nip}))
        assert listed["count"] == 1, listed


def test_import_retry_gets_the_first_answer():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System(verbose=False) as system:
        client = system.client()
        call = {"key": "batch-1", "rows": org.rows}
        first = ok(client.call("EMPLOYEE.IMPORT", call))
        assert first["created"] == len(org.rows) and first["updated"] == 0, first
        again = ok(client.call("EMPLOYEE.IMPORT", call))
        assert (again["imported"], again["created"], again["updated"]) == \
            (first["imported"], first["created"], first["updated"]), (first, again)
        # A new key is a new import: the same rows now update
        other = ok(client.call("EMPLOYEE.IMPORT", dict(call, key="batch-2")))
        assert other["created"] == 0 and other["updated"] == len(org.rows), other
