"""The services under the memory checkers, doing real work: the whole flow against the
-fsanitize=address,undefined build (make asan, which make test builds), and against the
normal build under valgrind. Each process is then stopped (SIGTERM), which runs the leak
checks at exit; any report fails the test."""

import os
import re

import test_email
import test_monev
import test_webhooks
from harness import ROOT, System, wait_until
from load import load_org, run_load

ASAN_BIN = os.path.join(ROOT, "build-asan", "bin")
PROGRAMS = ("broker", "requests", "approvals", "notifications", "metrics", "monev")
REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
                    r"definitely lost|indirectly lost|Invalid (read|write|free)|uninitialised|"
                    r"Mismatched free|ERROR SUMMARY: [1-9]")


def check_logs(system):
    """Stop every process and fail on any checker report in any log."""
    system.stop(timeout=30)
    reports = []
    for name in PROGRAMS:
        for index, proc in enumerate(system.procs[name]):
            text = system.log_text(name, index)
            found = [line for line in text.splitlines() if REPORT.search(line)]
            #  Killed instead of exiting means its leak check never ran
            if found or (proc is not None and (proc.returncode == 99 or proc.returncode < 0)):
                reports.append("%s #%d (exit %s):\n%s" % (name, index, proc and proc.returncode,
                                                          "\n".join(found[:20]) or text[-3000:]))
    assert not reports, "memory checker reports:\n" + "\n\n".join(reports)


def audit_intact(client):
    """The flow's audit log verifies, its seals (made by the sealer meanwhile) checked."""
    wait_until("the audit log sealed", lambda: client.call(
        "AUDIT.VERIFY", {"pemda": "35.08"}, timeout=30).get("unsealed") == 0, 60, 0.5)
    report = client.call("AUDIT.VERIFY", {"pemda": "35.08"}, timeout=30)
    assert report.get("valid") is True and report["sealed"] > 0, report


def test_flow_under_address_and_undefined_sanitizers():
    assert os.path.exists(os.path.join(ASAN_BIN, "wfa-requests")), "run make asan first"
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99"}
    with System(bin_dir=ASAN_BIN, extra_env=env, verbose=False) as system:
        client = system.client()
        load = run_load(client, load_org(staff_per_supervisor=5, supervisors=2), 200, tag="asan")
        load.verify(client, settle_s=0.5)
        audit_intact(client)
        check_logs(system)


def test_flow_under_valgrind():
    wrapper = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
               "--show-leak-kinds=definite,indirect", "--error-exitcode=99"]
    with System(wrapper=wrapper, verbose=False) as system:
        client = system.client()
        load = run_load(client, load_org(staff_per_supervisor=2, supervisors=1), 30, tag="vg")
        load.verify(client, settle_s=0.5)
        audit_intact(client)
        check_logs(system)


ASAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99"}


def test_monev_under_address_and_undefined_sanitizers():
    """Check-ins across zones, daily reports, e-kinerja, figures, rebuild: under ASan/UBSan."""
    assert os.path.exists(os.path.join(ASAN_BIN, "wfa-monev")), "run make asan first"
    test_monev.test_checkin_rules_time_zones_and_geofence(bin_dir=ASAN_BIN, extra_env=ASAN_ENV,
                                                          at_end=check_logs)
    test_monev.test_reports_and_ekinerja(bin_dir=ASAN_BIN, extra_env=ASAN_ENV, at_end=check_logs)


def test_email_under_address_and_undefined_sanitizers():
    """Templates, MIME, libcurl's SMTP, a bounce and a retry, the daily digest: under ASan/UBSan."""
    assert os.path.exists(os.path.join(ASAN_BIN, "wfa-notifications")), "run make asan first"
    test_email.test_language_template_bounce_and_retry(bin_dir=ASAN_BIN, extra_env=ASAN_ENV,
                                                       at_end=check_logs)
    test_email.test_daily_digest_once_per_person_and_day(bin_dir=ASAN_BIN, extra_env=ASAN_ENV,
                                                         at_end=check_logs)


def test_webhooks_under_address_and_undefined_sanitizers():
    """The delivery queue's sender threads, libcurl's POSTs, signatures, dead letters, replay."""
    assert os.path.exists(os.path.join(ASAN_BIN, "wfa-notifications")), "run make asan first"
    test_webhooks.test_signed_retried_dead_paused_resumed_replayed(
        bin_dir=ASAN_BIN, extra_env=ASAN_ENV, at_end=check_logs)


def test_monev_under_valgrind():
    wrapper = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
               "--show-leak-kinds=definite,indirect", "--error-exitcode=99"]
    test_monev.test_reports_and_ekinerja(wrapper=wrapper, at_end=check_logs)
