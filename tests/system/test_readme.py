"""The README's quick start, as written: `make run` (deploy/run.sh) starts the whole system,
the five-minute walk-through runs command by command in another shell and prints what the
README shows, and Ctrl-C stops every process.

Commands marked `# refused: CODE` must fail with that code; an output block after a command
block lists lines that must appear in that block's output."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time

from harness import ROOT, real_today_wib, spare_port, spare_ports, wait_until

README = os.path.join(ROOT, "README.md")


def walkthrough_blocks():
    """[(commands, expected_lines)] from the walk-through section, in order."""
    text = open(README).read()
    start = text.index("## A five-minute walk-through")
    end = text.index("\n## ", start + 10)
    section = text[start:end]
    blocks = []
    for lang, body in re.findall(r"^ *```(\w*)\n(.*?)^ *```$", section, re.M | re.S):
        lines = [line[3:] if line.startswith("   ") else line for line in body.splitlines()]
        if lang == "sh":
            commands, current = [], ""
            for line in lines:
                current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
                if not line.endswith("\\"):
                    commands.append(current.strip())
                    current = ""
            blocks.append((commands, []))
        else:
            assert blocks, "an output block before any command block"
            blocks[-1][1].extend(line.strip() for line in lines if line.strip())
    return blocks


def now_wib_year():
    """The year in WIB by the real clock: make run's services and the README's `date` use it,
    not the test clock (the walk-through runs as a user runs it)."""
    return real_today_wib().year


def run(command, env):
    script = "shopt -s expand_aliases\nalias wfactl=build/bin/wfactl\n" + command
    return subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_readme_make_run_and_walkthrough():
    blocks = walkthrough_blocks()
    assert len(blocks) >= 6, blocks
    var = tempfile.mkdtemp(prefix="fleksi-readme-")
    front, back = spare_port(), spare_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFA_")}
    metrics_base = spare_ports(7)
    http_port = spare_port()
    env.update({"WFA_REDIS_PORT": str(spare_port()), "WFA_VAR": var, "WFA_METRICS_PORT": str(metrics_base),
                "WFA_HTTP": "127.0.0.1:%d" % http_port,
                "WFA_FRONTEND": "tcp://127.0.0.1:%d" % front,
                "WFA_BACKEND": "tcp://127.0.0.1:%d" % back})
    client_env = {k: v for k, v in env.items() if not k.startswith("WFA_")}
    client_env["WFA_ENDPOINT"] = "tcp://127.0.0.1:%d" % front
    client_env["WFA_VAR"] = var       # where make demo finds the operator's token
    client_env["WFA_HTTP"] = env["WFA_HTTP"]     # the gateway the walk-through's curl reaches
    log = open(os.path.join(var, "run.log"), "wb")
    # Its own process group, as a terminal would have: Ctrl-C reaches all of it
    run_sh = subprocess.Popen(["bash", "deploy/run.sh"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_until("make run to bring up every service",
                   lambda: run("wfactl status", client_env).stdout.count(": 1 instance") == 5, 30)
        for number, (commands, expected) in enumerate(blocks):
            if number == 2:
                # "A moment later": the approval step opens asynchronously
                wait_until("the request to await its approver", lambda: "REQ-35.08-000001" in
                           run("wfactl approvals --as 197812252005012003", client_env).stdout, 15)
            output = ""
            years = {now_wib_year()}         # the walk-through may straddle a new year
            for command in commands:
                refused = re.search(r"# refused: (\w+)", command)
                result = run(command, client_env)
                output += result.stdout + result.stderr
                if refused:
                    assert result.returncode != 0, "%r should fail: %s" % (command, output)
                    assert "error: %s:" % refused.group(1) in result.stderr, (command, output)
                else:
                    assert result.returncode == 0, "%r failed: %s" % (command, output)
            years.add(now_wib_year())
            for line in expected:
                # An approval number carries the year it was given in: the year at the start
                # or at the end of the commands that gave it
                if re.search(r"/WFA/35\.08/\d{4}", line):
                    assert any(re.sub(r"(/WFA/35\.08/)\d{4}", r"\g<1>%d" % year, line) in output
                               for year in years), \
                        "README shows %r (in year %r) after %r; got:\n%s" % (line, years, commands, output)
                    continue
                assert line in output, "README shows %r after %r; got:\n%s" % (line, commands, output)
        # make run serves Prometheus metrics, one port per process from WFA_METRICS_PORT
        import urllib.request

        def scraped(port, name):
            try:
                text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
            except OSError:
                return False
            return 'service="%s"' % name in text
        for offset, name in enumerate(("broker", "requests", "approvals", "notifications", "metrics",
                                       "monev", "gateway")):
            wait_until("%s metrics on port %d" % (name, metrics_base + offset),
                       lambda: scraped(metrics_base + offset, name), 15)
        # make run serves HTTP too, on WFA_HTTP: ready, with a worker of every service
        ready = urllib.request.urlopen("http://127.0.0.1:%d/v1/ready" % http_port, timeout=10)
        assert ready.status == 200 and json.loads(ready.read())["ready"] is True
        # The figures reflect the walk-through, once the metrics service has
        # consumed its events (a consumer of the outbox, behind the replies)
        def figures():
            return run("wfactl --json metrics --pemda 35.08 --as 197203151998032004", client_env).stdout
        wait_until("the metrics to count the walk-through", lambda: '"approved":1' in figures(), 15)
        metrics = figures()
        assert '"submitted":1' in metrics and '"approved":1' in metrics, metrics
        # The walk-through went through all three steps, each by its own role
        trail = run("wfactl --json audit REQ-35.08-000001 --as 198609262015051001", client_env)
        roles = [e["role"] for e in json.loads(trail.stdout)["entries"] if e["action"] == "approve"]
        assert roles == ["atasan", "kepala_opd", "bkd"], trail.stdout
    finally:
        os.killpg(run_sh.pid, signal.SIGINT)          # Ctrl-C
        try:
            run_sh.wait(15)
        finally:
            log.close()
    # Every process of the group is gone
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = subprocess.run(["pgrep", "-g", str(run_sh.pid)], capture_output=True, text=True).stdout
        if not left.strip():
            break
        time.sleep(0.1)
    assert not left.strip(), "processes left after Ctrl-C: %s" % left
    text = open(os.path.join(var, "run.log"), "rb").read().decode("utf-8", "replace")
    assert "fleksi: stopped" in text, text[-2000:]
    assert os.path.isdir(os.path.join(var, "redis")), "make run keeps its data in WFA_VAR"
    subprocess.run(["rm", "-rf", var])
