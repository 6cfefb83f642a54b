"""Reports as documents: MONEV.REPORT of a month against MONEV.GET's figures, and its HTML, CSV,
XLSX (read by openpyxl) and PDF (printed by headless Chromium, read by pdftotext) renderings
written by wfactl; the same documents from the gateway, and the HTML page opened in Chromium by
playwright-core and printed to a PDF (page.pdf) whose pages pdftotext reads; an OPD's report,
another pemda's out of reach, a bad period refused.

One System, one simulated flexible day (the test clock), so it stays a few seconds."""

import csv
import datetime
import hashlib
import io
import json
import os
import pathlib
import subprocess
import tempfile

import requests

from harness import (ROOT, Clock, Org, System, approve_chain, awaiting, binary, import_rows, ok,
                     wait_until, weekly_monday, wfactl_env)

HOME = (-8.1300, 113.2200)
# The figures every rendering shows (wfa_report_figures in shared/wfa_report.c)
FIGURES = ("flexible.days", "flexible.judged_days", "checkins.on_time", "checkins.late",
           "checkins.missing", "reports.submitted", "reports.accepted", "checkins.compliance_pct",
           "reports.submission_pct", "attainment.pct", "approvals.approved")


def figure(period, path):
    value = period
    for part in path.split("."):
        value = value[part]
    return value


def as_text(value):
    """How the renderings write a value: integers as they are, numbers with two decimals."""
    if value is None:
        return ""
    return "%.2f" % value if isinstance(value, float) else str(value)


def sections(text):
    """The sectioned CSV as {section: [rows]}, each section's header row first."""
    result, name = {}, None
    for row in csv.reader(io.StringIO(text, newline="")):
        if not row:
            continue
        if row[0] == "section":
            name = row[1]
            result[name] = []
        else:
            result[name].append(row)
    return result


def test_month_report_documents(tmp_path=None):
    tmp_path = pathlib.Path(tmp_path or tempfile.mkdtemp(prefix="fleksi-reports-"))
    clock = Clock(str(tmp_path / "clock"))
    org = Org(opds=("DINKES", "BAPPEDA"), supervisors=1, staff=1)
    other = Org(pemda="51.71", opds=("DINKES",), supervisors=1, staff=1, base=300)
    for person in org.staff:
        person["home_geo"] = "%f,%f" % HOME
    with System(verbose=False, gateway=True, extra_env={"WFA_CLOCK_FILE": clock.path}) as system:
        client = system.client()
        import_rows(client, org.rows + other.rows)
        day = datetime.date.fromisoformat(weekly_monday(1))
        month = day.isoformat()[:7]
        # Both staff work from home that day; one checks in and reports, the other does not
        for person in org.staff:
            rid = ok(client.call("REQUEST.SUBMIT", {"key": "s" + person["nip"], "as": person["nip"],
                                                    "kind": "rumah", "dates": [day.isoformat()],
                                                    "location": "x", "reason": "Uji laporan"}))["request_id"]
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
        first = (day.replace(day=1)).isoformat()
        last = ((day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
                - datetime.timedelta(days=1)).isoformat()

        # Every audit entry sealed (the sealer runs each second), so AUDIT.VERIFY passes
        wait_until("the audit log sealed", lambda: client.call(
            "AUDIT.VERIFY", {"as": bkd, "pemda": org.pemda}).get("valid"), 20)
        # The JSON report: MONEV.GET's figures of the same month and scope
        report = ok(client.call("MONEV.REPORT", {"as": bkd, "pemda": org.pemda, "period": month}, timeout=15))
        expected = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "from": first, "to": last}))
        assert report["figures"] == expected["periods"][0], (report["figures"], expected)
        assert (report["from"], report["to"], report["kind"]) == (first, last, "month")
        assert report["pemda"]["name"] == "Kabupaten Lumajang" and report["pemda"]["tz"] == "WIB"
        assert report["figures"]["checkins"]["on_time"] == 1 and report["figures"]["flexible"]["days"] == 2
        assert report["policy_version"] >= 0 and len(report["benchmarks"]) == 3
        assert [row["opd"] for row in report["opds"]] == sorted(org.opds + ["BKD", "SETDA"])
        for row in report["opds"]:
            mine = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "opd": row["opd"],
                                                "from": first, "to": last}))["periods"][0]
            assert row["figures"] == mine, row["opd"]
        verification = report["verification"]
        audit = ok(client.call("AUDIT.VERIFY", {"as": bkd, "pemda": org.pemda}))
        assert audit["valid"] and audit["head"] == verification["audit_head"] and \
            audit["checked"] == verification["audit_seq"] > 0, (audit, verification)

        def ctl(*args):
            out = subprocess.run([binary("wfactl")] + list(args), capture_output=True, text=True,
                                 env=wfactl_env(system, args), timeout=60)
            assert out.returncode == 0, out
            return out

        # The CSV: the same numbers, and its hash is the report's
        ctl("report", org.pemda, month, "--format", "csv", "--output", str(tmp_path / "r.csv"), "--as", bkd)
        raw = (tmp_path / "r.csv").read_bytes()
        parts = sections(raw.decode("utf-8"))
        rows = dict(parts["figures"][1:])
        for path in FIGURES:
            assert rows[path] == as_text(figure(expected["periods"][0], path)), path
        cover = dict(parts["report"][1:])
        assert (cover["period"], cover["pemda.code"]) == (month, org.pemda)
        checks = dict(parts["verification"][1:])
        body, last_line = raw[:raw.rindex(b"content_sha256,")], raw[raw.rindex(b"content_sha256,"):]
        assert last_line.endswith(b"\r\n") and hashlib.sha256(body).hexdigest() == checks["content_sha256"]
        assert checks["audit_head"] == verification["audit_head"]

        # The XLSX, read by openpyxl: the same numbers, a cover with the verification line
        import openpyxl
        ctl("report", org.pemda, month, "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"), "--as", bkd)
        book = openpyxl.load_workbook(str(tmp_path / "r.xlsx"))
        assert book.sheetnames[:3] == ["cover", "figures", "opds"]
        sheet = {row[0]: row[1] for row in book["figures"].iter_rows(min_row=2, values_only=True)}
        for path in FIGURES:
            want = figure(expected["periods"][0], path)
            assert sheet[path] == want or (want is not None and abs(sheet[path] - want) < 1e-9), path
        cover_cells = {row[0]: row[1] for row in book["cover"].iter_rows(values_only=True) if row[0]}
        assert cover_cells["period"] == month and cover_cells["audit_head"] == verification["audit_head"]
        assert cover_cells["policy_version"] == report["policy_version"]
        opd_rows = list(book["opds"].iter_rows(values_only=True))
        assert [row[0] for row in opd_rows[1:]] == [row["opd"] for row in report["opds"]]

        # The HTML (English): the period, the figures, the benchmarks, the verification line
        ctl("--lang", "en", "report", org.pemda, month, "--format", "html", "--output",
            str(tmp_path / "r.html"), "--as", bkd)
        html = (tmp_path / "r.html").read_text()
        assert "<script" not in html and "@media print" in html
        for text in ("Kabupaten Lumajang", month, first, "Policy version", "Check-in compliance",
                     verification["audit_head"], "Check-ins on time", "Benchmarks"):
            assert text in html, text

        # The PDF, printed by Chromium: pdftotext reads the pemda, the period, the verification
        ctl("report", org.pemda, month, "--format", "pdf", "--output", str(tmp_path / "r.pdf"), "--as", bkd)
        pages = subprocess.run(["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, text=True)
        assert "Pages:" in pages.stdout and int(pages.stdout.split("Pages:")[1].split()[0]) >= 1
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert "Kabupaten Lumajang" in text and month in text and "Verifikasi" in text
        assert verification["audit_head"][:16] in text.replace("\n", "").replace(" ", ""), text

        # Without Chromium a PDF is refused with a clear word, and nothing is written
        missing = subprocess.run([binary("wfactl"), "report", org.pemda, month, "--format", "pdf", "--output",
                                  str(tmp_path / "none.pdf"), "--as", bkd], capture_output=True, text=True,
                                 env=dict(wfactl_env(system, ("--as", bkd)), WFA_CHROMIUM="/nonexistent/chromium"),
                                 timeout=30)
        assert missing.returncode == 1 and "apt-get install chromium" in missing.stderr, missing
        assert not (tmp_path / "none.pdf").exists()

        # The gateway's doors: the documents with their types and names
        token = system.integrator_token(org.pemda, "reports")
        base = "%s/v1/pemda/%s/reports/%s" % (system.url, org.pemda, month)
        auth = {"Authorization": "Bearer " + token}
        page = requests.get(base + ".csv", headers=auth, timeout=15)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/csv"), page.text
        assert page.headers["Content-Disposition"] == \
            'attachment; filename="report-%s-%s.csv"' % (org.pemda, month), page.headers
        served = sections(page.content.decode("utf-8"))
        assert dict(served["figures"][1:]) == rows
        page = requests.get(base + ".xlsx", headers=auth, timeout=15)
        assert page.status_code == 200 and page.content[:2] == b"PK" and "spreadsheetml" in \
            page.headers["Content-Type"], page.headers
        page = requests.get(base + ".html", headers=dict(auth, **{"Accept-Language": "en"}), timeout=15)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Content-Disposition"].startswith("inline;") and "Check-ins on time" in page.text
        page = requests.get(base + "x.html", headers=auth, timeout=15)
        assert page.status_code == 400 and page.json()["code"] == "BAD_VALUE", page.text

        # The browser: playwright-core opens the page in Chromium and prints it (page.pdf)
        printed = tmp_path / "browser.pdf"
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "report_pdf.js"), base + ".html",
                              token, str(printed)], capture_output=True, text=True, timeout=120,
                             cwd=os.path.join(ROOT, "tests", "browser"))
        assert out.returncode == 0, out
        shown = json.loads(out.stdout.strip().splitlines()[-1])
        assert shown["status"] == 200 and shown["scripts"] == 0 and month in shown["title"] \
            and shown["title"].startswith("Laporan Monev"), shown
        info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True).stdout
        assert int(info.split("Pages:")[1].split()[0]) >= 1 and "(A4)" in info, info
        text = subprocess.run(["pdftotext", "-layout", str(printed), "-"], capture_output=True, text=True).stdout
        assert "Kabupaten Lumajang" in text and month in text and "Verifikasi" in text, text
        # (the token's creation was audited: the served report names the newer head)
        head = dict(served["verification"][1:])["audit_head"]
        assert head != verification["audit_head"] and head[:16] in text.replace("\n", "").replace(" ", ""), text

        # An OPD's report holds only that OPD; another pemda's is out of reach; a bad period
        opd = ok(client.call("MONEV.REPORT", {"as": bkd, "pemda": org.pemda, "opd": "DINKES", "period": month}))
        mine = ok(client.call("MONEV.GET", {"as": bkd, "pemda": org.pemda, "opd": "DINKES",
                                            "from": first, "to": last}))["periods"][0]
        assert opd["opd"] == "DINKES" and [row["opd"] for row in opd["opds"]] == ["DINKES"]
        assert opd["figures"] == mine
        refused = client.call("MONEV.REPORT", {"as": bkd, "pemda": other.pemda, "period": month})
        assert refused["status"] == "error" and refused["code"] == "FORBIDDEN", refused
        for period in ("2026-13", "26-12", "2026-1", "abcd", ""):
            bad = client.call("MONEV.REPORT", {"as": bkd, "pemda": org.pemda, "period": period, "lang": "en"})
            assert bad["status"] == "error" and bad["code"] in ("BAD_VALUE", "MISSING_FIELD"), (period, bad)
        # A year: one row per month
        year = ok(client.call("MONEV.REPORT", {"as": bkd, "pemda": org.pemda, "period": month[:4]}, timeout=30))
        assert year["kind"] == "year" and len(year["months"]) == 12
        assert year["months"][int(month[5:]) - 1]["period"] == month
        assert year["months"][int(month[5:]) - 1]["checkins"] == report["figures"]["checkins"]
