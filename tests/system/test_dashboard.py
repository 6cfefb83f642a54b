"""The monev dashboard: wfa-gateway serves its fixed files without a credential, with a strict
CSP, nosniff and no framing, and nothing else (no traversal, no directory); then Debian's
Chromium (playwright-core, tests/browser/dashboard.js) signs in with a BKD officer's API token
and the page shows the numbers MONEV.GET gives for the same span, of the pemda and then of one
OPD, in Bahasa Indonesia then English, asking nothing outside the gateway.

One System, one simulated flexible day under the test clock (two staff away, one checks in,
reports and is verified), one browser launch."""

import datetime
import json
import os
import pathlib
import subprocess
import tempfile
import urllib.parse

import requests

from harness import (ROOT, Clock, Org, System, approve_chain, awaiting, import_rows, ok,
                     wait_until, weekly_monday)

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
        day = datetime.date.fromisoformat(weekly_monday(1))
        for person in org.staff:
            rid = ok(client.call("REQUEST.SUBMIT", {"key": "s" + person["nip"], "as": person["nip"],
                                                    "kind": "rumah", "dates": [day.isoformat()],
                                                    "location": "x", "reason": "Uji dasbor"}))["request_id"]
            assert awaiting(client, rid, 20)["approver"] == person["supervisor_nip"]
            assert approve_chain(client, rid)["state"] == "approved"
        span = {"pemda": org.pemda, "from": day.isoformat(), "to": day.isoformat()}
        wait_until("2 flexible days counted", lambda: ok(client.call("MONEV.GET", span))
                   ["periods"][0]["flexible"]["days"] == 2, 20)
        worker = org.staff[0]
        clock.set(day, 7, 40)
        ok(client.call("CHECKIN.IN", {"key": "c", "as": worker["nip"], "lat": HOME[0], "lon": HOME[1]}))
        clock.set(day, 16)
        ok(client.call("REPORT.SUBMIT", {"key": "r", "as": worker["nip"], "date": day.isoformat(),
                                         "activities": [{"activity": "Menyusun laporan", "output": "Dokumen",
                                                         "quantity": 2, "rhk": "RHK-1"}]}))
        ok(client.call("REPORT.VERIFY", {"key": "v", "as": worker["supervisor_nip"], "nip": worker["nip"],
                                         "date": day.isoformat(), "decision": "accept"}))
        clock.set(day + datetime.timedelta(days=1), 9)
        bkd = org.bkd["nip"]
        first, last = day.replace(day=1).isoformat(), day.isoformat()
        opd = worker["opd"]
        whole = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "from": first, "to": last}))
        mine = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "opd": opd,
                                            "from": first, "to": last}))
        assert whole["periods"][0]["checkins"]["on_time"] == 1

        # The gateway judges the token's times by the test clock (the day after, 09:00 WIB)
        at = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(2),
                                       tzinfo=datetime.timezone.utc)
        ahead = int((at - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
        token = system.person_token(bkd, org.pemda, lifetime=max(0, ahead) + 3600)
        shots = pathlib.Path(ROOT) / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "dashboard.js"), base, token,
                              org.pemda, first, last, opd, str(shots)],
                             capture_output=True, text=True, timeout=90)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout.strip().splitlines()[-1])
        pemda_view, opd_view, english = result["steps"]
        assert result["first_title"] == "Monev kerja fleksibel"
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
        for name in ("dashboard-pemda.png", "dashboard-opd.png", "dashboard-en.png"):
            assert (shots / name).stat().st_size > 1000, name
