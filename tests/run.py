#!/usr/bin/python3
"""The single test runner behind `make test`.

    /usr/bin/python3 tests/run.py [SUBSTRING ...]

1. Every C module selftest: `build/bin/wfa-selftest -l` lists them, each runs as
   `build/bin/wfa-selftest -t NAME` (test name: selftest.NAME).
2. Every function test_* of every tests/system/test_*.py, in file order
   (test name: MODULE.FUNCTION); each builds its own System.

With arguments, only tests whose name contains one of them run.
Prints one line per test, tracebacks of failures, and ends with "N passed, N failed".
"""

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
SELFTEST_TIMEOUT = 120      # seconds for one C selftest
SYSTEM_TEST_TIMEOUT = 240   # seconds for one system test

sys.path.insert(0, SYSTEM_DIR)


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

    def make(name):
        def run():
            out = subprocess.run([SELFTEST, "-t", name], capture_output=True, text=True,
                                 timeout=SELFTEST_TIMEOUT)
            if out.returncode != 0:
                raise AssertionError("wfa-selftest -t %s exited %d\n%s%s"
                                     % (name, out.returncode, out.stdout[-4000:], out.stderr[-4000:]))
        return run
    return [("selftest." + name, make(name)) for name in names]


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
