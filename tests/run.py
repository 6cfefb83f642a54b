#!/usr/bin/python3
"""The single test runner behind `make test`.

    /usr/bin/python3 tests/run.py [-j N] [SUBSTRING ...]
    /usr/bin/python3 tests/run.py --durations LOG      # print a new tests/durations.txt

1. Every C module selftest: `build/bin/wfa-selftest -l` lists them, each runs as
   `build/bin/wfa-selftest -t NAME` (test name: selftest.NAME); then each service's own
   (`build/bin/wfa-monev --selftest`, test name: selftest.wfa-monev).
2. Every function test_* of every tests/system/test_*.py (test name: MODULE.FUNCTION); each
   builds its own System.
3. The date-dependent system tests (DATE_DEPENDENT) again on other days, on the test clock:
   the six days after today (so each weekday is seen) and 30 December to 1 January of
   the coming year end (test name: MODULE.FUNCTION@YYYY-MM-DD). harness.today_wib() and
   every service of the test's System then run on that day (WFA_TEST_TODAY).

With arguments, only tests whose name contains one of them run.
Prints one line per test ("PASS|FAIL name seconds"), after the test's own output; the
traceback and the harness's failure report (log tails) of a failing test follow its line;
the run ends with "N passed, N failed" and exits 1 if any failed.

-j N (default WFA_TEST_JOBS, else the number of CPUs) runs N tests side by side, each in a
worker process of its own (this file run with --worker: it imports the tests and runs one
at a time, as its parent hands them out, longest first by tests/durations.txt, so the run
does not end waiting on one long test). Each worker is a process group of its own with a
port range of its own (WFA_TEST_PORTS, read by harness.spare_port). A worker that dies
makes its test fail and is replaced; a test past its time is stopped by SIGALRM in its
worker, and if that does not end it, the worker is killed. The tests of RUN_ALONE run after
the others, one at a time, with nothing beside them. -j 1 runs every test in this process,
in file order, as before. Ctrl-C stops the workers and everything they started.
"""

import datetime
import glob
import importlib
import inspect
import json
import os
import random
import selectors
import shutil
import tempfile
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

DURATIONS = os.path.join(ROOT, "tests", "durations.txt")
DEFAULT_SECONDS = 3.0       # a test not (yet) in tests/durations.txt
KILL_GRACE = 60             # seconds past SYSTEM_TEST_TIMEOUT before a stuck worker is killed
PORTS_FIRST, PORTS_LAST = 10000, 32000  # worker port ranges: below the ephemeral ports (32768+)
PORTS_PER_WORKER = 2000

sys.path.insert(0, SYSTEM_DIR)

# The tests that need the machine to themselves: they run after the parallel part, one at a
# time, nothing beside them. Each says why.
RUN_ALONE = (
)

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


def all_tests():
    """(name, function) of every test, the dated reruns included, in file order."""
    import harness
    tests = selftests() + system_tests()
    if not os.environ.get("WFA_TEST_TODAY"):
        # With WFA_TEST_TODAY set by hand, every test runs on that day, once
        dated = [(name, f) for name, f in tests if name.startswith(DATE_DEPENDENT)]
        for day in simulated_days(harness.real_today_wib()):
            tests += [("%s@%s" % (name, day.isoformat()), on_day(f, day)) for name, f in dated]
    return tests


def run_one(name, function):
    """Run one test here: (passed, seconds, error text: traceback and failure notes)."""
    import harness
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
        error = traceback.format_exc().rstrip()
        for note in harness.failure_notes:
            error += "\n" + note.rstrip()
    return error is None, time.monotonic() - started, error


def serial(tests):
    """-j 1: every test in this process, one after another."""
    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = 0
    for name, function in tests:
        ok, seconds, error = run_one(name, function)
        if ok:
            passed += 1
            print("PASS %s %.1fs" % (name, seconds), flush=True)
        else:
            failed += 1
            print("FAIL %s %.1fs" % (name, seconds), flush=True)
            print(error, flush=True)
    return passed, failed


# ---------------------------------------------------------------- workers

def worker(command_fd, result_fd, output_path):
    """--worker: read test names (one a line) from command_fd, run each with its output
    (this process's and its children's stdout and stderr) in output_path, and write
    {"name", "ok", "seconds", "error"} (a JSON line) to result_fd when it ends."""
    try:        # die with the runner, even if it is killed with SIGKILL
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() == 1:
        os._exit(1)

    def on_term(signum, frame):     # the runner stops: end the test as Ctrl-C would, cleaning up
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the runner's to handle
    signal.signal(signal.SIGALRM, on_alarm)
    tests = dict(all_tests())
    commands = os.fdopen(command_fd, "r")
    results = os.fdopen(result_fd, "w")
    for line in commands:
        name = line.strip()
        sys.stdout.flush()
        sys.stderr.flush()
        out = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        function = tests.get(name)
        if function is None:
            ok, seconds, error = False, 0.0, "no test of that name in the worker"
        else:
            ok, seconds, error = run_one(name, function)
        sys.stdout.flush()
        sys.stderr.flush()
        results.write(json.dumps({"name": name, "ok": ok, "seconds": seconds, "error": error}) + "\n")
        results.flush()
    os._exit(0)


class Worker:
    """A worker process (its own process group) and the test it runs."""

    def __init__(self, number, folder, ports):
        self.number = number
        self.output_path = os.path.join(folder, "worker-%d.out" % number)
        command_r, self.command_w = os.pipe()
        self.result_r, result_w = os.pipe()
        env = dict(os.environ)
        env["WFA_TEST_PORTS"] = "%d-%d" % ports
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", str(command_r), str(result_w),
             self.output_path],
            pass_fds=(command_r, result_w), stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
        os.close(command_r)
        os.close(result_w)
        self.buffer = b""
        self.test = None        # name of the test it runs
        self.started = None

    def give(self, name):
        self.test, self.started = name, time.monotonic()
        os.write(self.command_w, (name + "\n").encode())

    def output(self):
        try:
            with open(self.output_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def kill(self, sig=signal.SIGKILL):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def close(self):
        for fd in (self.command_w, self.result_r):
            try:
                os.close(fd)
            except OSError:
                pass


def durations():
    table = {}
    try:
        with open(DURATIONS) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    table[parts[0]] = float(parts[1])
    except FileNotFoundError:
        pass
    return table


def print_durations(log):
    """A new tests/durations.txt from the output of a run."""
    table = {}
    with open(log, errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] in ("PASS", "FAIL") and parts[2].endswith("s"):
                name = parts[1].split("@")[0]
                table[name] = max(table.get(name, 0.0), float(parts[2][:-1]))
    print("# Rough seconds of each test on one core (the longest run of it, @-days folded in); tests/run.py")
    print("# starts the longest first. Regenerate: tests/run.py --durations LOG > tests/durations.txt")
    for name in sorted(table):
        print("%s %.1f" % (name, table[name]))


def parallel(names, jobs):
    """Run the tests named in workers, `jobs` at a time, RUN_ALONE ones last and alone."""
    table = durations()
    def seconds(name):
        return table.get(name.split("@")[0], DEFAULT_SECONDS)
    alone = [n for n in names if n.startswith(RUN_ALONE)]
    together = sorted((n for n in names if not n.startswith(RUN_ALONE)), key=seconds, reverse=True)
    queue = together + alone
    folder = tempfile.mkdtemp(prefix="fleksi-run-")
    blocks = (PORTS_LAST - PORTS_FIRST) // PORTS_PER_WORKER
    first_block = random.randrange(blocks)      # two runs at once most likely apart too
    workers, spawned = {}, [0]
    selector = selectors.DefaultSelector()

    def spawn(slot):
        block = (first_block + slot) % blocks
        lo = PORTS_FIRST + block * PORTS_PER_WORKER
        w = Worker(spawned[0], folder, (lo, lo + PORTS_PER_WORKER - 1))
        w.slot = slot
        spawned[0] += 1
        workers[slot] = w
        selector.register(w.result_r, selectors.EVENT_READ, w)
        return w

    def retire(w):
        selector.unregister(w.result_r)
        w.kill()
        w.proc.wait()
        w.close()
        del workers[w.slot]

    passed = failed = 0

    def report(name, ok, secs, output, error):
        nonlocal passed, failed
        if output.strip():
            print(output.rstrip(), flush=True)
        if ok:
            passed += 1
            print("PASS %s %.1fs" % (name, secs), flush=True)
        else:
            failed += 1
            print("FAIL %s %.1fs" % (name, secs), flush=True)
            print(error, flush=True)

    def busy():
        return [w for w in workers.values() if w.test is not None]

    try:
        for slot in range(min(jobs, len(queue))):
            spawn(slot)
        while queue or busy():
            # Hand out work: a RUN_ALONE test only when no other test runs, and then alone
            for w in sorted(workers.values(), key=lambda w: w.slot):
                if w.test is None and queue:
                    running = busy()
                    if queue[0] in alone:
                        if running:
                            break
                        w.give(queue.pop(0))
                        break
                    w.give(queue.pop(0))
            for key, _ in selector.select(timeout=1.0):
                w = key.data
                data = os.read(w.result_r, 65536)
                if data:
                    w.buffer += data
                    while b"\n" in w.buffer:
                        line, w.buffer = w.buffer.split(b"\n", 1)
                        result = json.loads(line)
                        report(result["name"], result["ok"], result["seconds"], w.output(),
                               result["error"])
                        w.test = None
                    continue
                # The worker is gone: its test fails, another takes its place
                code = w.proc.wait()
                if w.test is not None:
                    report(w.test, False, time.monotonic() - w.started, w.output(),
                           "the worker running it died (exit %s)" % (
                               "signal %d" % -code if code < 0 else code))
                slot = w.slot
                retire(w)
                if queue:
                    spawn(slot)
            for w in busy():
                limit = (SELFTEST_TIMEOUT if w.test.startswith("selftest.") else
                         SYSTEM_TEST_TIMEOUT) + KILL_GRACE
                if time.monotonic() - w.started > limit:
                    w.kill()        # SIGALRM did not end it: the worker dies, the test fails
    finally:
        for w in list(workers.values()):
            w.kill(signal.SIGTERM)      # the tests' own cleanup runs (finally, System.__exit__)
        deadline = time.monotonic() + 10
        for w in list(workers.values()):
            try:
                w.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            w.kill()                    # and whatever is left of its process group
            w.proc.wait()
            w.close()
        shutil.rmtree(folder, ignore_errors=True)
    return passed, failed


def main(argv):
    args = argv[1:]
    if args[:1] == ["--worker"]:
        worker(int(args[1]), int(args[2]), args[3])
        return 0
    if args[:1] == ["--durations"]:
        print_durations(args[1])
        return 0
    jobs = int(os.environ.get("WFA_TEST_JOBS") or os.cpu_count() or 1)
    filters = []
    while args:
        arg = args.pop(0)
        if arg == "-j":
            jobs = int(args.pop(0))
        elif arg.startswith("-j") and arg[2:].isdigit():
            jobs = int(arg[2:])
        else:
            filters.append(arg)
    if jobs < 1:
        raise SystemExit("-j needs a number of at least 1")
    # Each worker has a port block of its own: no more workers than blocks
    jobs = min(jobs, (PORTS_LAST - PORTS_FIRST) // PORTS_PER_WORKER)
    tests = all_tests()
    if filters:
        tests = [(name, f) for name, f in tests if any(s in name for s in filters)]
    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)    # even if started in background
    try:
        if jobs == 1:
            passed, failed = serial(tests)
        else:
            passed, failed = parallel([name for name, _ in tests], jobs)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
