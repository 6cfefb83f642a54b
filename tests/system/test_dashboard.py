"""The monev dashboard: wfa-gateway serves its fixed files without a credential, with a strict
CSP, nosniff and no framing, and nothing else (no traversal, no directory); then Debian's
Chromium (playwright-core, tests/browser/dashboard.js) signs in with a BKD officer's API token
and the page shows the numbers MONEV.GET gives for the same span, of the pemda and then of one
OPD, in Bahasa Indonesia then English, asking nothing outside the gateway.

One System, a simulated month under the test clock (tests/system/monev_month.py: four weeks of
flexible days, check-ins on time, late and missing, reports accepted and returned), one browser
launch."""

import datetime
import json
import os
import pathlib
import subprocess
import tempfile
import urllib.parse

import requests

from harness import ROOT, Clock, Org, System, awaiting, import_rows, ok, wall_ms
from monev_month import simulate_month

HOME = (-8.1300, 113.2200)
FIGURES = ("checkins.on_time", "checkins.late", "checkins.missing", "checkins.flagged",
           "checkins.compliance_pct", "reports.submitted", "reports.accepted", "reports.returned",
           "reports.submission_pct", "attainment.rhks", "attainment.met", "attainment.pct",
           "flexible.days", "flexible.cap_use_pct", "capacity.peak_pct")


def shown(period, path):
    """The text the page writes for a figure: the value as JavaScript prints it, — for none."""
    group, name = path.split(".")
    value = (period.get(group) or {}).get(name)
    if value is None:
        return "\u2014"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_dashboard(tmp_path=None):
    tmp_path = pathlib.Path(tmp_path or tempfile.mkdtemp(prefix="fleksi-dash-"))
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES", "BAPPEDA"), supervisors=1, staff=1)
    for person in org.staff:
        person["home_geo"] = "%f,%f" % HOME
    with System(verbose=False, gateway=True, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        base = system.url
        # The static files: no credential, the right type and headers; nothing else is a file
        index = requests.get(base + "/", allow_redirects=False, timeout=5)
        assert index.status_code == 302 and index.headers["Location"] == "/dash/"
        for name, kind in (("", "text/html"), ("app.js", "text/javascript"),
                           ("style.css", "text/css"), ("chart.umd.js", "text/javascript")):
            got = requests.get(base + "/dash/" + name, timeout=5)
            assert got.status_code == 200 and got.headers["Content-Type"].startswith(kind), name
            assert "script-src 'self'" in got.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in got.headers["Content-Security-Policy"]
            assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script>" not in requests.get(base + "/dash/", timeout=5).text     # no inline script
        for bad in ("/dash/../main.c", "/dash/%2e%2e/bin/wfa-gateway", "/dash/package.json",
                    "/dash/node_modules/chart.js/package.json", "/dash/x"):
            assert requests.get(base + bad, timeout=5).status_code == 404, bad
        assert requests.post(base + "/dash/", timeout=5).status_code in (404, 405)

        client = system.client()
        import_rows(client, org.rows)
        first, last = simulate_month(client, org, clock, HOME)
        day = datetime.date.fromisoformat(last)
        bkd = org.bkd["nip"]
        opd = org.staff[0]["opd"]
        whole = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "from": first, "to": last}))
        mine = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "opd": opd,
                                            "from": first, "to": last}))
        # The month holds check-ins made and missing, accepted and returned reports
        counts = whole["periods"][0]
        assert counts["checkins"]["on_time"] >= 1 and counts["checkins"]["missing"] >= 1, counts
        assert counts["reports"]["accepted"] >= 1 and counts["reports"]["returned"] >= 1, counts

        # One request left pending at its first step, for the pending-by-step-and-age table
        asker = org.staff[0]
        pending_id = ok(client.call("REQUEST.SUBMIT", {
            "key": "dash-pending", "as": asker["nip"], "kind": "rumah",
            "dates": [(day + datetime.timedelta(days=7)).isoformat()], "location": "Rumah",
            "reason": "Uji tabel tertunda"}))["request_id"]
        awaiting(client, pending_id, 20)

        # The gateway judges the token's times by the test clock (the day after, 09:00 WIB)
        ahead = max(0, clock.offset_ms() // 1000)
        token = system.person_token(bkd, org.pemda, lifetime=ahead + 3600)
        shots = pathlib.Path(ROOT) / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "dashboard.js"), base, token,
                              org.pemda, first, last, opd, str(shots)],
                             capture_output=True, text=True, timeout=90)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout.strip().splitlines()[-1])
        pemda_view, opd_view, english = result["steps"]
        assert result["first_title"] == "Monev kerja fleksibel"
        # Pending by step and age: the counts REQUEST.LIST gives, bucketed by step_opened_at
        # against the wall clock, as the browser does (the request is fresh: never > 1 day)
        now_ms = wall_ms()
        for view, scope in ((pemda_view, {}), (opd_view, {"opd": opd})):
            listed = ok(client.call("REQUEST.LIST", {"as": bkd, "pemda": org.pemda, "state": "pending",
                                                     "limit": 1000, **scope}))
            assert not listed.get("next_cursor") and view["pending_note"] == ""
            expected = {role: [0, 0, 0] for role in ("atasan", "kepala_opd", "bkd")}
            for request in listed["requests"]:
                age = now_ms - request["step_opened_at"]
                bucket = 0 if age < 86400000 else 1 if age <= 3 * 86400000 else 2
                expected.setdefault(request["step_role"], [0, 0, 0])[bucket] += 1
            got = {row[0]: [int(cell) for cell in row[1:]] for row in view["pending"]}
            assert got == expected, (got, expected)
        assert sum(sum(counts) for counts in got.values()) >= 1    # the pending request is counted
        # Suspended employees: none in this data (a suspension needs a monev flag), so the
        # page says so; EMPLOYEE.LIST agrees
        employees = ok(client.call("EMPLOYEE.LIST", {"as": bkd, "pemda": org.pemda, "limit": 200}))
        assert not any(e.get("suspended_until") for e in employees["employees"])
        assert pemda_view["suspended"] == [["Tidak ada pegawai yang ditangguhkan"]]
        assert english["suspended"] == [["No employee is suspended"]]
        for view, expected in ((pemda_view, whole), (opd_view, mine), (english, mine)):
            assert view["state"] == "ready", view
            for path in FIGURES:
                assert view["figures"][path] == shown(expected["periods"][0], path), (path, view)
            assert view["chart"]
        assert opd in pemda_view["opds"]
        assert pemda_view["lang"] == opd_view["lang"] == "id" and pemda_view["title"] == "Monev kerja fleksibel"
        assert english["lang"] == "en" and english["title"] == "Flexible work monitoring"
        assert result["stored"] == {"session": token, "local": 0} and result["after_signout"] is None
        assert result["errors"] == [], result["errors"]
        gateway = urllib.parse.urlsplit(base).netloc
        outside = [url for url in result["asked"] if urllib.parse.urlsplit(url).netloc != gateway]
        assert outside == [], outside
        assert any("/v1/monev" in url for url in result["asked"])
        for name in ("dashboard-pemda.png", "dashboard-opd.png", "dashboard-en.png", "dashboard-pending.png"):
            assert (shots / name).stat().st_size > 1000, name
