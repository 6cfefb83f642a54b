"""Redis is locked: every service signs in as its own user (deploy/redis-users.acl), which
reaches only the wfa:* keys and the commands the code sends; the default user is refused;
the allow-lists are the commands of the code, no more. A full Redis (maxmemory,
noeviction) refuses a write whole with STORAGE_FULL, reads and services go on, the memory
gauges show it, and once the operator makes room everything works again."""

import glob
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import urllib.request

import msgpack

from harness import (BIN, ROOT, SERVICES, Org, System, approve_chain, import_rows, ok, redis_ping,
                     spare_port, submit_body, wait_until, workdays)

USERS = os.path.join(ROOT, "deploy", "redis-users.acl")
# What no service may ever run
FORBIDDEN = ("flushall", "flushdb", "config", "debug", "keys", "script|flush", "shutdown",
             "acl", "module")


def acl_users():
    """{user: [rules]} of deploy/redis-users.acl, continuation lines joined."""
    users, name = {}, None
    for line in open(USERS):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = line.split()
        if line[0] in " \t":
            users[name] += words
        else:
            assert words[0] == "user", line
            name = words[1]
            users[name] = words[2:]
    return users


def cli(system, *args, user=None, password=None, last_from_stdin=None):
    """redis-cli's answer, as a plain client would get it: no sign-in unless user is given.
    last_from_stdin: a last argument too long for a command line (a whole Lua library is
    over the kernel's 128 KiB per argument), sent on stdin (redis-cli -x)."""
    argv = ["redis-cli", "-p", str(system.redis_port)]
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    if user:
        argv += ["--user", user]
        env["REDISCLI_AUTH"] = password if password is not None else system.redis_password(user)
    if last_from_stdin is not None:
        argv.append("-x")
    out = subprocess.run(argv + [str(a) for a in args], capture_output=True, text=True,
                         timeout=10, env=env, input=last_from_stdin)
    return (out.stdout + out.stderr).strip()


def metric(system, service, name):
    text = urllib.request.urlopen("http://%s/metrics" % system.metrics_addr(service), timeout=5) \
        .read().decode()
    m = re.search(r"^%s\{[^}]*\} (\S+)$" % name, text, re.M)
    return float(m.group(1)) if m else None


# ---------------------------------------------------------------- the allow-lists

def code_commands(names):
    """Every Redis command the code sends (names: Redis's COMMAND LIST, subcommands as
    "script|load"): C calls outside the selftests, argv vectors, and every redis.call of
    the Lua steps and of inline scripts."""
    found = set()

    def add(command, sub=None):
        command = command.lower()
        if sub and "%s|%s" % (command, sub.lower()) in names:
            found.add("%s|%s" % (command, sub.lower()))
        elif command in names:
            found.add(command)

    sources = [f for f in glob.glob(os.path.join(ROOT, "shared", "wfa_*.c"))
               if not f.endswith("wfa_selftest.c")]
    sources += glob.glob(os.path.join(ROOT, "services", "*", "*.c"))
    for path in sources:
        text = open(path).read()
        # Each module ends with its selftest, which may run anything on its own Redis
        text = re.split(r"^\w+_test \(bool verbose\)", text, flags=re.M)[0]
        for m in re.finditer(r'wfa_redis_command \([^,]+, "([A-Z]+)(?: ([A-Z]+))?', text):
            add(m.group(1), m.group(2))
        for m in re.finditer(r'(?:\[\] = \{|argv \[(?:0|argc\+\+)\] =)\s*"([A-Z_]+)"(?:, "([A-Z]+)")?',
                             text):
            add(m.group(1), m.group(2))
        for m in re.finditer(r"redis\.call\('(\w+)'", text):
            add(m.group(1))
        # A Lua step is FCALL, or FCALL_RO when read-only (wfa_redis_fcall)
        for m in re.finditer(r'\? "(FCALL_RO)": "(FCALL)"', text):
            add(m.group(1))
            add(m.group(2))
    lua = glob.glob(os.path.join(ROOT, "shared", "lua", "**", "*.lua"), recursive=True)
    lua += glob.glob(os.path.join(ROOT, "services", "*", "lua", "**", "*.lua"), recursive=True)
    for path in lua:
        for m in re.finditer(r"redis\.p?call\(\s*'(\w+)'", open(path).read()):
            add(m.group(1))
    return found


# Who signs in to Redis: every service, and the HTTP gateway (services/gateway)
REDIS_USERS = tuple(SERVICES) + ("gateway",)


def test_allow_lists_are_the_code_commands():
    """Every service user: the wfa:* keys, no channel, nothing but its + commands, none of
    the forbidden ones; together they grant exactly what the code sends. (That each
    service has all it sends is checked by every system test: harness.py fails a test
    whose services Redis refused anything.) The default user cannot sign in."""
    users = acl_users()
    assert set(users) == {"default", "admin"} | set(REDIS_USERS), users
    default = users["default"]
    assert "off" in default and "on" not in default and "nopass" not in default, default
    assert not any(rule.startswith((">", "#")) for rule in default), default
    granted = set()
    for service in REDIS_USERS:
        rules = users[service]
        # The gateway reads the wfa:* keys and writes only its rate keys
        keys = ["%R~wfa:*", "%RW~wfa:{[0-9][0-9]}:rate:*",
                "%RW~wfa:{[0-9][0-9].[0-9][0-9]}:rate:*"] if service == "gateway" else ["~wfa:*"]
        head = ["on"] + keys + ["resetchannels", "-@all"]
        assert rules[:len(head)] == head, (service, rules)
        commands = rules[len(head):]
        assert all(re.fullmatch(r"\+[a-z_]+(\|[a-z]+)?", c) for c in commands), (service, commands)
        commands = {c[1:] for c in commands}
        assert len(commands) == len(rules) - len(head), "%s: a command twice" % service
        bad = [c for c in commands if c in FORBIDDEN or c.split("|")[0] in FORBIDDEN or c == "script"]
        assert not bad, "%s may run %r" % (service, bad)
        granted |= commands
    with System(verbose=False) as system:
        names = set(system.redis("COMMAND", "LIST").split())
    assert "script|load" in names and "get" in names, sorted(names)[:20]
    sent = code_commands(names)
    assert granted - sent == set(), "granted but never sent: %r" % sorted(granted - sent)
    assert sent - granted == set(), "sent but granted to nobody: %r" % sorted(sent - granted)


# ---------------------------------------------------------------- locked

def test_each_service_signs_in_as_its_own_user_and_is_confined():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)

        # Every connection of every service (a worker's; a consumer's but for requests
        # and approvals, which consume no event) signed in as that service's user
        def users_connected():
            users = re.findall(r"\buser=(\S+)", system.redis("CLIENT", "LIST"))
            counts = {service: users.count(service) for service in SERVICES}
            return all(counts[s] >= (1 if s in ("requests", "approvals") else 2) for s in SERVICES) and users
        users = wait_until("every worker and consumer connected", users_connected, 15)
        assert set(users) == set(SERVICES) | {"admin"}, users      # admin: CLIENT LIST itself

        # Nobody gets in without a password: not as default, not with a wrong one
        assert cli(system, "PING").startswith("NOAUTH"), cli(system, "PING")
        assert cli(system, "GET", "wfa:pemdas").startswith("NOAUTH")
        assert "WRONGPASS" in cli(system, "PING", user="default", password="x")
        assert "WRONGPASS" in cli(system, "PING", user="requests", password="not-the-password")

        # A service's user can run none of the operator's commands, nor reach other keys
        nip = org.staff[0]["nip"]
        for service in SERVICES:
            for command in (["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "GET", "maxmemory"],
                            ["CONFIG", "SET", "maxmemory", "0"], ["KEYS", "*"],
                            ["DEBUG", "SLEEP", "0"], ["SCRIPT", "FLUSH"], ["SHUTDOWN", "NOSAVE"],
                            ["ACL", "LIST"], ["MODULE", "LIST"], ["GET", "other:x"],
                            ["SET", "other:x", "1"], ["HGETALL", "other:x"],
                            ["EVAL", "return redis.call('GET', 'other:x')", "0"],
                            ["PUBLISH", "wfa:x", "1"]):
                # NOPERM (no service may EVAL: every Lua step is a function of the library);
                # DEBUG is refused even before the ACL (enable-debug-command), which the
                # dry run checks
                answer = cli(system, *command, user=service)
                assert re.search(r"^NOPERM|^ERR DEBUG command not allowed", answer), \
                    (service, command, answer)
                answer = system.redis("ACL", "DRYRUN", service, *command).strip()
                assert "no permissions" in answer, (service, command, answer)
            # ...and it does reach its own: the pemda registry, the employee's record
            assert cli(system, "SCARD", "wfa:pemdas", user=service) == "1"
        assert "Kepala" in cli(system, "HGET", "wfa:{%s}:emp:%s" % (org.pemda, org.kepala["DINKES"]["nip"]),
                               "position", user="requests")
        assert system.redis("EXISTS", "other:x").strip() == "0"
        assert redis_ping(system.redis_port)
        system.redis("ACL", "LOG", "RESET")     # the refusals above were ours, not a service's

        # The whole flow works locked, and survives a Redis restart: its Lua steps' writes
        # come back from the AOF (they are MULTI/EXEC there, replayed as the default user)
        rid = ok(client.call("REQUEST.SUBMIT", submit_body(nip, workdays(1), "locked")))["request_id"]
        assert approve_chain(client, rid)["state"] == "approved"
        redis = system.procs["redis"][0]
        system.killed.add(redis)
        redis.send_signal(signal.SIGTERM)
        redis.wait()
        system.start("redis", 0)
        wait_until("redis back", lambda: redis_ping(system.redis_port), 15)

        def approved():
            reply = client.call("REQUEST.GET", {"request_id": rid}, timeout=5, retries=0)
            return reply.get("status") == "ok" and reply["request"]["state"] == "approved"
        wait_until("the approved request after the restart", approved, 30, 0.2)
        inbox = ok(client.call("INBOX.LIST", {"as": nip}))
        assert any(entry.get("request_id") == rid for entry in inbox["entries"]), inbox
        system.assert_alive()


def test_the_gateway_reads_credentials_and_writes_only_its_rate_keys():
    """The gateway's user reads what the credential checks read, but cannot write a NIP's
    pemda, an issuer's, a token or an identity provider: only its rate keys; its rate step
    declares those only (FCALL counts each declared key as written) and takes its time from
    Redis, not from the caller."""
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        nip, pemda = org.staff[0]["nip"], org.pemda
        assert cli(system, "GET", "wfa:nip:%s" % nip, user="gateway") == pemda
        for key in ("wfa:nip:%s" % nip, "wfa:idp:0123abcd", "wfa:pemdas", "wfa:{%s}:" % pemda,
                    "wfa:{%s}:token:x" % pemda, "wfa:{%s}:idp" % pemda, "wfa:{%s}:emp:%s" % (pemda, nip),
                    # an idempotency record whose client-chosen key looks like a rate key's end
                    "wfa:{%s}:idem:submit:%s:k}:rate:x" % (pemda, nip), "wfa:{x}:rate:pemda"):
            answer = cli(system, "SET", key, "1", user="gateway")
            assert answer.startswith("NOPERM"), (key, answer)
        assert cli(system, "GET", "wfa:nip:%s" % nip, user="gateway") == pemda
        assert system.redis("EXISTS", "wfa:idp:0123abcd").strip() == "0"
        cred_key = "wfa:{%s}:rate:cred:acl-test" % pemda
        assert cli(system, "SET", "wfa:{%s}:rate:pemda" % pemda, "1", user="gateway") == "OK"

        def fcall(*keys, now):
            args = msgpack.packb({"now": str(now), "cred_ms": "1000", "cred_burst": "1",
                                  "pemda_ms": "0", "pemda_burst": "1"})
            env = dict(os.environ, REDISCLI_AUTH=system.redis_password("gateway"))
            argv = [b"redis-cli", b"-p", str(system.redis_port).encode(), b"--user", b"gateway",
                    b"FCALL", b"gateway_rate", str(len(keys)).encode()] + [k.encode() for k in keys]
            out = subprocess.run(argv + [args], capture_output=True, timeout=10, env=env)
            return (out.stdout + out.stderr).decode("utf-8", "replace").strip()
        # A declared key it may not write is refused whole, even one the step never touches
        answer = fcall("wfa:{%s}:" % pemda, cred_key, "wfa:{%s}:rate:pemda" % pemda, now=0)
        assert answer.startswith("NOPERM"), answer
        # The caller's clock is not asked: a "now" of 0 changes nothing, Redis's TIME counts
        assert fcall(cred_key, "wfa:{%s}:rate:pemda" % pemda, now=0).split() == ["ok", "0"]
        redis_ms = int(system.redis("TIME").split()[0]) * 1000
        tat = int(system.redis("GET", cred_key))
        assert redis_ms - 2000 <= tat <= redis_ms + 2000, (tat, redis_ms)
        system.redis("ACL", "LOG", "RESET")     # the refusals above were ours
        system.assert_alive()


def test_a_service_with_a_wrong_password_says_so_and_answers_unavailable():
    org = Org(opds=("DINKES",), supervisors=1, staff=1)
    with System(verbose=False) as system:
        client = system.client()
        import_rows(client, org.rows)
        wrong = os.path.join(system.tmp, "wrong.password")
        with open(wrong, "w") as f:
            f.write("not-the-password\n")
        system.procs["requests"][0].send_signal(signal.SIGTERM)
        system.procs["requests"][0].wait()
        system.start("requests", 0, env={"WFA_REDIS_PASSWORD_FILE": wrong})
        reply = wait_until("an answer", lambda: (lambda r: r if r.get("code") != "SERVICE_UNAVAILABLE"
                                                 else None)(
            client.call("EMPLOYEE.GET", {"nip": org.staff[0]["nip"]}, timeout=5, retries=0)), 15, 0.2)
        assert reply["code"] == "REDIS_UNAVAILABLE", reply
        log = system.log_text("requests")
        assert "refuses user requests: WRONGPASS" in log, log
        assert log.count("refuses user requests") == 1, log       # once, not at every retry
        assert "not-the-password" not in log
        system.assert_alive()

        # A missing password file stops the service at start, with a clear line
        system.procs["requests"][0].send_signal(signal.SIGTERM)
        system.procs["requests"][0].wait()
        system.start("requests", 0, env={"WFA_REDIS_PASSWORD_FILE": wrong + ".missing"})
        proc = system.procs["requests"][0]
        system.killed.add(proc)
        assert proc.wait(10) == 1
        assert "cannot read the Redis password file %s.missing" % wrong in system.log_text("requests")
        system.redis("ACL", "LOG", "RESET")


def test_make_run_locks_redis():
    """deploy/run.sh (make run): passwords made on first start, mode 0600, hashed in the ACL
    file; every service signed in as its own user; maxmemory from WFA_REDIS_MAXMEMORY with
    noeviction; a second start keeps the passwords."""
    var = tempfile.mkdtemp(prefix="fleksi-run-acl-")
    port, front = spare_port(), spare_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFA_")}
    env.update({"WFA_VAR": var, "WFA_REDIS_PORT": str(port), "WFA_METRICS_PORT": "0",
                "WFA_FRONTEND": "tcp://127.0.0.1:%d" % front,
                "WFA_BACKEND": "tcp://127.0.0.1:%d" % spare_port(), "WFA_REDIS_MAXMEMORY": "64mb"})
    folder = os.path.join(var, "redis")
    admin = lambda *args: subprocess.run(
        ["redis-cli", "-p", str(port), "--user", "admin"] + list(args), capture_output=True, text=True,
        env=dict(env, REDISCLI_AUTH=open(os.path.join(folder, "admin.password")).read())).stdout
    passwords = {}
    for start in range(2):
        with open(os.path.join(var, "run.log"), "ab") as log:
            run_sh = subprocess.Popen(["bash", "deploy/run.sh"], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True)
        try:
            status = lambda: subprocess.run([os.path.join(BIN, "wfactl"), "status"], capture_output=True,
                                            text=True, env=dict(env, WFA_ENDPOINT=env["WFA_FRONTEND"])).stdout
            wait_until("make run to bring up every service", lambda: status().count(": 1 instance") == len(SERVICES), 30)
            users = {"default", "admin"} | set(SERVICES)
            files = sorted(os.listdir(folder))
            for user in users - {"default"}:
                path = os.path.join(folder, user + ".password")
                assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, (path, oct(os.stat(path).st_mode))
                password = open(path).read()
                assert re.fullmatch(r"[0-9a-f]{64}", password), (path, password)
                assert passwords.setdefault(user, password) == password, "a restart changed it"
            acl = os.path.join(folder, "users.acl")
            assert stat.S_IMODE(os.stat(acl).st_mode) == 0o600, files
            text = open(acl).read()
            assert not any(p in text for p in passwords.values()), "a password in clear"
            assert cli_plain(port).startswith("NOAUTH")
            config = admin("CONFIG", "GET", "maxmemory*").split()
            config = dict(zip(config[::2], config[1::2]))
            assert (config["maxmemory"], config["maxmemory-policy"]) == \
                (str(64 * 1024 * 1024), "noeviction"), config
            wait_until("every service signed in", lambda: set(re.findall(
                r"\buser=(\S+)", admin("CLIENT", "LIST"))) == set(SERVICES) | {"admin"}, 15)
        finally:
            os.killpg(run_sh.pid, signal.SIGINT)
            run_sh.wait(15)
    shutil.rmtree(var, ignore_errors=True)


def cli_plain(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"})
    return (out.stdout + out.stderr).strip()


# ---------------------------------------------------------------- full

def test_a_full_redis_refuses_writes_whole_with_storage_full():
    org = Org(opds=("DINKES",), supervisors=1, staff=2)
    with System(verbose=False, redis_args=["--maxmemory", "16mb"]) as system:
        client = system.client()
        import_rows(client, org.rows)
        alice, bob = org.staff[0]["nip"], org.staff[1]["nip"]
        first = ok(client.call("REQUEST.SUBMIT", submit_body(alice, workdays(1), "before")))["request_id"]
        request = wait_until("the first step to open", lambda: (lambda r: r if r["request"].get("approver")
                                                                 else None)(
            ok(client.call("REQUEST.GET", {"request_id": first}))), 15)["request"]
        wait_until("the outbox delivered", lambda: "lag\n0\n" in system.redis(
            "XINFO", "GROUPS", "wfa:{%s}:events" % org.pemda) and "pending\n0\n" in system.redis(
            "XINFO", "GROUPS", "wfa:{%s}:events" % org.pemda), 15)

        # Someone else's data fills Redis up to its maxmemory: writes are refused
        fill = "for i = 1, 200 do redis.call('SET', 'filler:' .. ARGV[1] .. ':' .. i, " \
               "string.rep('x', 10000)) end return 1"
        for batch in range(100):
            if "OOM" in system.redis("EVAL", fill, "0", batch):
                break
        else:
            raise AssertionError("Redis never filled up")
        used = float(re.search(r"used_memory:(\d+)", system.redis("INFO", "memory")).group(1))
        assert used > 16 * 1024 * 1024, used
        # Well over the limit, not on its edge: the services' own background work (claims
        # that expire, queue scans) frees a few bytes now and then, which let a write in
        limit = int(used) - 4 * 1024 * 1024
        system.redis("CONFIG", "SET", "maxmemory", str(limit))
        keys_before = sorted(system.redis("KEYS", "wfa:*").split())
        events_before = system.redis("XLEN", "wfa:{%s}:events" % org.pemda)

        # Writes answer STORAGE_FULL, in either language; nothing of them is stored
        for lang, words in (("id", "Penyimpanan data penuh"), ("en", "data store is full")):
            body = dict(submit_body(bob, workdays(1, skip=2), "full-" + lang), lang=lang)
            reply = client.call("REQUEST.SUBMIT", body, timeout=5, retries=0)
            assert reply["status"] == "error" and reply["code"] == "STORAGE_FULL", reply
            assert words in reply["message"], reply
        decide = {"key": "decide-full", "as": request["approver"].split(",")[0], "request_id": first,
                  "decision": "approve", "note": "Setuju", "tasks_fit": True, "targets_measurable": True}
        reply = client.call("APPROVAL.DECIDE", decide, timeout=5, retries=0)
        assert reply["code"] == "STORAGE_FULL", reply
        reply = client.call("EMPLOYEE.IMPORT", {"key": "import-full", "rows": org.rows[:1]},
                            timeout=5, retries=0)
        assert reply["code"] == "STORAGE_FULL", reply
        assert sorted(system.redis("KEYS", "wfa:*").split()) == keys_before
        assert system.redis("XLEN", "wfa:{%s}:events" % org.pemda) == events_before

        # Reads go on
        assert ok(client.call("REQUEST.GET", {"request_id": first}))["request"]["state"] == "pending"
        ok(client.call("REQUEST.LIST", {"as": alice, "nip": alice}))
        ok(client.call("APPROVAL.LIST", {"as": request["approver"].split(",")[0]}))
        ok(client.call("INBOX.LIST", {"as": request["approver"].split(",")[0]}))
        ok(client.call("METRICS.GET", {"pemda": org.pemda}))

        # The gauges show it, the log says it once, every service is alive
        def full_on_metrics():
            used, max_ = (metric(system, "requests", "wfa_redis_used_memory_bytes"),
                          metric(system, "requests", "wfa_redis_maxmemory_bytes"))
            return used and max_ == limit and used > max_
        wait_until("the memory gauges to show a full Redis", full_on_metrics, 10, 0.2)
        assert metric(system, "metrics", "wfa_redis_maxmemory_bytes") == limit
        log = system.log_text("requests")
        assert log.count("is full (maxmemory)") == 1, log
        system.assert_alive()

        # The operator makes room: the same calls work again, the flow completes
        system.redis("CONFIG", "SET", "maxmemory", "1gb")
        body = submit_body(bob, workdays(1, skip=2), "full-en")
        second = ok(client.call("REQUEST.SUBMIT", body))["request_id"]
        assert second != first
        ok(client.call("APPROVAL.DECIDE", decide))
        assert approve_chain(client, first, key="after")["state"] == "approved"
        assert approve_chain(client, second, key="after")["state"] == "approved"
        system.assert_alive()


def test_the_alert_rules_watch_the_memory_gauges():
    """deploy/prometheus.yml loads deploy/prometheus-alerts.yml, whose rules fire on the ratio
    of the two memory gauges, both documented in docs/operations.md."""
    import yaml
    deploy = os.path.join(ROOT, "deploy")
    prometheus = yaml.safe_load(open(os.path.join(deploy, "prometheus.yml")))
    assert "prometheus-alerts.yml" in prometheus.get("rule_files", []), prometheus.get("rule_files")
    rules = [rule for group in yaml.safe_load(open(os.path.join(deploy, "prometheus-alerts.yml")))["groups"]
             for rule in group["rules"]]
    memory = [rule for rule in rules if "wfa_redis_used_memory_bytes" in rule["expr"]
              and "wfa_redis_maxmemory_bytes" in rule["expr"]]
    assert memory and all(rule.get("alert") and rule.get("for") for rule in memory), rules
    documented = open(os.path.join(ROOT, "docs", "operations.md")).read()
    for name in ("wfa_redis_used_memory_bytes", "wfa_redis_maxmemory_bytes"):
        assert "| `%s` | gauge |" % name in documented, name
    for rule in memory:
        assert rule["alert"] in documented, "%s is not in docs/operations.md" % rule["alert"]


# ---------------------------------------------------------------- the Lua library

def test_a_library_replaced_with_a_service_password_is_put_back():
    """Every service may load the Lua library, so a stolen service password could replace the
    code the others run. The replacement here answers the right version (wfa_version), so only
    a comparison of the code finds it: within the check interval (WFA_LIBRARY_CHECK_MS) the
    services load their own over it, log it and count it. Twice: the second time every
    connection has long made its first call, so only the periodic check can find it."""
    org = Org(opds=("DINKES",), supervisors=1, staff=3)
    with System(verbose=False, extra_env={"WFA_LIBRARY_CHECK_MS": "500"}) as system:
        client = system.client()
        import_rows(client, org.rows)
        ok(client.call("REQUEST.SUBMIT", submit_body(org.staff[0]["nip"], workdays(1), "before")))
        ours = open(os.path.join(ROOT, "build", "gen", "lua", "wfa.lua")).read()
        version = system.redis("FCALL_RO", "wfa_version", "0").strip()
        marker = "redis.register_function{function_name = 'submit', flags = {},\n" \
                 "callback = function(KEYS, ARGV)\n"
        assert marker in ours
        forged = ours.replace(marker, marker + "do return {'err', 'FORBIDDEN', 'forged'} end\n")
        stream = "wfa:{%s}:events" % org.pemda
        for round_nbr, employee in enumerate(org.staff[1:]):
            # Every consumer has taken every event (so each connection made its calls), and
            # more than one check interval has passed
            wait_until("the outbox delivered", lambda: "pending\n0\n" in system.redis(
                "XINFO", "GROUPS", stream) and "lag\n1\n" not in system.redis("XINFO", "GROUPS", stream), 15)
            time.sleep(1.5)
            assert cli(system, "FUNCTION", "LOAD", "REPLACE", user="notifications", last_from_stdin=forged) == "wfa"
            assert system.redis("FCALL_RO", "wfa_version", "0").strip() == version

            def submitted():
                reply = client.call("REQUEST.SUBMIT", submit_body(employee["nip"], workdays(1),
                                                                  "after-%d" % round_nbr))
                return reply if reply["status"] == "ok" else None
            reply = wait_until("the services to load their own library over the forged one",
                               submitted, 15)
            assert reply["state"] == "pending", reply
            code = system.redis("FUNCTION", "LIST", "LIBRARYNAME", "wfa", "WITHCODE")
            assert "forged" not in code and marker in code
            assert wait_until("the replacement counted", lambda: sum(
                metric(system, service, "wfa_redis_library_replaced_total") or 0
                for service in SERVICES) >= round_nbr + 1, 10)
        assert any("is not this build's code" in system.log_text(service) for service in SERVICES)
