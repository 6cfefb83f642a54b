#!/usr/bin/python3
"""The single test runner behind `make test`.

    /usr/bin/python3 tests/run.py [SUBSTRING ...]

1. Every C module selftest: `build/bin/wfa-selftest -l` lists them, each runs as
   `build/bin/wfa-selftest -t NAME` (test name: selftest.NAME); then each service's own
   (`build/bin/wfa-monev --selftest`, test name: selftest.wfa-monev).
2. Every function test_* of every tests/system/test_*.py, in file order
   (test name: MODULE.FUNCTION); each builds its own System.
3. The date-dependent system tests (DATE_DEPENDENT) again on other days, on the test clock:
   the six days after today (so each weekday is seen) and 30 December to 1 January of
   the coming year end (test name: MODULE.FUNCTION@YYYY-MM-DD). harness.today_wib() and
   every service of the test's System then run on that day (WFA_TEST_TODAY).

With arguments, only tests whose name contains one of them run.
Prints one line per test, tracebacks of failures, and ends with "N passed, N failed".
"""

import datetime
import glob
import importlib
import inspect
import os
import signal
import subprocess
import sys
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SYSTEM_DIR = os.path.join(ROOT, "tests", "system")
SELFTEST = os.path.join(ROOT, "build", "bin", "wfa-selftest")
SERVICE_SELFTESTS = ("wfa-monev", "wfa-gateway", "wfa-notifications")     # services whose pure parts have a selftest of their own
SELFTEST_TIMEOUT = 120      # seconds for one C selftest
SYSTEM_TEST_TIMEOUT = 240   # seconds for one system test

sys.path.insert(0, SYSTEM_DIR)

# The tests whose dates come from today: they submit requests, decide them and read figures
# on days counted from the day they run. Each runs again on every simulated day.
DATE_DEPENDENT = (
    "test_rules.", "test_chain.", "test_edges.", "test_lifecycle.", "test_time_flex.",
    "test_calendar.", "test_flow.", "test_idempotency.", "test_wfactl_chain.", "test_authz.",
    "test_unit_capacity.",
    "test_sla.test_expiry_once", "test_sla_calendar.", "test_eligibility.",
    "test_monev.test_checkin_rules_time_zones_and_geofence",
    "test_monev.test_reports_and_ekinerja", "test_monev_sound.",
    "test_integrator_features.test_deactivation", "test_integrator_features.test_schedule",
)


def simulated_days(today):
    """The days the date-dependent tests run on besides today: the next six (with today,
    seven consecutive days: every weekday once) and the coming year end, 30 December to
    1 January."""
    days = [today + datetime.timedelta(days=n) for n in range(1, 7)]
    year = today.year if today < datetime.date(today.year, 12, 30) else today.year + 1
    days += [datetime.date(year, 12, 30), datetime.date(year, 12, 31), datetime.date(year + 1, 1, 1)]
    out = []
    for day in days:
        if day != today and day not in out:
            out.append(day)
    return out


def on_day(function, day):
    """function run with the tests' clock on `day`."""
    def run():
        os.environ["WFA_TEST_TODAY"] = day.isoformat()
        try:
            function()
        finally:
            os.environ.pop("WFA_TEST_TODAY", None)
    return run


class TestTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise TestTimeout("test took longer than %d s" % SYSTEM_TEST_TIMEOUT)


def selftests():
    """(name, function) for each C selftest; a listing failure is itself a failing test."""
    try:
        out = subprocess.run([SELFTEST, "-l"], capture_output=True, text=True, timeout=30)
        names = [line.strip() for line in out.stdout.splitlines() if line.strip()]
        if out.returncode != 0 or not names:
            raise RuntimeError("wfa-selftest -l exited %d, listed %r\n%s"
                               % (out.returncode, names, out.stderr))
    except Exception as e:
        error = "%s: %s" % (type(e).__name__, e)

        def listing_failed():
            raise AssertionError("cannot list C selftests: " + error)
        return [("selftest.list", listing_failed)]

    def make(argv):
        def run():
            out = subprocess.run(argv, capture_output=True, text=True, timeout=SELFTEST_TIMEOUT)
            if out.returncode != 0:
                raise AssertionError("%s exited %d\n%s%s" % (" ".join(argv), out.returncode,
                                                            out.stdout[-4000:], out.stderr[-4000:]))
        return run
    tests = [("selftest." + name, make([SELFTEST, "-t", name])) for name in names]
    for program in SERVICE_SELFTESTS:
        tests.append(("selftest." + program,
                      make([os.path.join(os.path.dirname(SELFTEST), program), "--selftest"])))
    return tests


def system_tests():
    tests = []
    for path in sorted(glob.glob(os.path.join(SYSTEM_DIR, "test_*.py"))):
        module_name = os.path.splitext(os.path.basename(path))[0]
        try:
            module = importlib.import_module(module_name)
        except Exception:
            text = traceback.format_exc()

            def import_failed(text=text):
                raise AssertionError("cannot import:\n" + text)
            tests.append((module_name + ".import", import_failed))
            continue
        functions = [f for name, f in vars(module).items()
                     if name.startswith("test_") and inspect.isfunction(f)
                     and f.__module__ == module_name]
        functions.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in functions:
            tests.append(("%s.%s" % (module_name, f.__name__), f))
    return tests


def main(argv):
    filters = argv[1:]
    import harness
    tests = selftests() + system_tests()
    if not os.environ.get("WFA_TEST_TODAY"):
        # With WFA_TEST_TODAY set by hand, every test runs on that day, once
        dated = [(name, f) for name, f in tests if name.startswith(DATE_DEPENDENT)]
        for day in simulated_days(harness.real_today_wib()):
            tests += [("%s@%s" % (name, day.isoformat()), on_day(f, day)) for name, f in dated]
    if filters:
        tests = [(name, f) for name, f in tests if any(s in name for s in filters)]
    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = 0
    for name, function in tests:
        del harness.failure_notes[:]
        started = time.monotonic()
        error = None
        try:
            if not name.startswith("selftest."):
                signal.alarm(SYSTEM_TEST_TIMEOUT)
            try:
                function()
            finally:
                signal.alarm(0)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            error = traceback.format_exc()
        seconds = time.monotonic() - started
        if error is None:
            passed += 1
            print("PASS %s %.1fs" % (name, seconds), flush=True)
        else:
            failed += 1
            print("FAIL %s %.1fs" % (name, seconds), flush=True)
            print(error.rstrip(), flush=True)
            for note in harness.failure_notes:
                print(note.rstrip(), flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
