"""Black-box harness for the Fleksi system tests.

Starts a real redis-server, the broker and N instances of each service as
subprocesses in a temporary directory, and talks to the broker over ZeroMQ
exactly as any client would (docs/protocol.md).

Run with /usr/bin/python3 (python3-zmq, python3-msgpack, python3-yaml).
"""

import csv
import datetime
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import msgpack
import zmq

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "build", "bin")
SERVICES = ("requests", "approvals", "notifications", "metrics", "monev")
PROGRAMS = {
    "broker": "wfa-broker",
    "requests": "wfa-requests",
    "approvals": "wfa-approvals",
    "notifications": "wfa-notifications",
    "metrics": "wfa-metrics",
    "monev": "wfa-monev",
    "gateway": "wfa-gateway",
}
# Reply codes after which a client should send the same call again later.
RETRYABLE = ("SERVICE_UNAVAILABLE", "REDIS_UNAVAILABLE", "INTERNAL")
WIB = datetime.timezone(datetime.timedelta(hours=7))

# Every test system runs with CURVE on and a key folder of its own (wfactl keys init):
# the broker's, each service's, the operator's and the gateway's keys, and one
# Kemendagri (national, read-only) reader's. Clients from System.client() sign in as
# the gateway, the one principal that acts for others, so a call's "as" says whom it
# acts for; a call whose "as" is the Kemendagri reader goes with that reader's own
# key, an import that names nobody with the operator's, and reads that name nobody
# as the reader (test_authz checks what each role may read; test_identity what each
# key may do).
KEMENDAGRI = "196901011990031001"
READS = ("REQUEST.GET", "REQUEST.LIST", "EMPLOYEE.GET", "METRICS.GET", "AUDIT.REQUEST",
         "AUDIT.VERIFY", "POLICY.GET", "CALENDAR.GET", "MONEV.GET", "REPORT.GET")

# The gateway's credentials (System.person_token, System.integrator_token): OIDC JWTs of
# a test identity provider per pemda, and API tokens made by the operator.
IDP_AUDIENCE = "fleksi"


def idp_issuer(pemda):
    return "https://sso.test/%s/realms/asn" % pemda


# Text the runner prints after a failing test's traceback (log tails).
failure_notes = []


def binary(name):
    return os.path.join(BIN, name)


# ---------------------------------------------------------------- ports

_ports_given = set()
_port_cursor = None      # the next port to try in this process's range (WFA_TEST_PORTS)


def _port_range():
    """(first, last) of the ports this process may hand out, from WFA_TEST_PORTS ("LO-HI"):
    tests/run.py gives each of its workers a range of its own, below the kernel's ephemeral
    ports, so two workers never pick the same free port at the same moment. None: any port
    the kernel picks."""
    spec = os.environ.get("WFA_TEST_PORTS")
    if not spec:
        return None
    first, last = (int(n) for n in spec.split("-"))
    assert 1024 < first < last < 65536, spec
    return first, last


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def spare_ports(count):
    """The first of `count` consecutive TCP ports on 127.0.0.1 that nothing listens on now,
    none handed out before by this process (in its range, until the range wraps round; by
    then the processes that held them are long gone, and a port still held is skipped)."""
    global _port_cursor
    bounds = _port_range()
    if bounds is None:
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
            s.close()
            block = range(base, base + count)
            if base + count <= 65536 and not _ports_given.intersection(block) \
                    and all(_port_free(p) for p in block[1:]):
                _ports_given.update(block)
                return base
    first, last = bounds
    if _port_cursor is None:
        _port_cursor = first
    for _ in range(2 * (last - first + 1)):
        base = _port_cursor
        if base + count - 1 > last:
            _port_cursor = first            # wrap round: every port of the range is free again
            _ports_given.clear()
            continue
        block = range(base, base + count)
        _port_cursor = base + 1
        if not _ports_given.intersection(block) and all(_port_free(p) for p in block):
            _ports_given.update(block)
            _port_cursor = base + count
            return base
    raise AssertionError("no %d free consecutive ports in WFA_TEST_PORTS %d-%d" % (count, first, last))


def spare_port():
    """A TCP port on 127.0.0.1 that nothing listens on now, never handed out twice (see
    spare_ports)."""
    return spare_ports(1)


def wait_until(what, predicate, timeout=30.0, interval=0.05):
    """Poll predicate() until it returns a true value; raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def redis_ping(port):
    """True when a Redis answers on port; a locked one answers NOAUTH, which counts."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


# ---------------------------------------------------------------- Redis locked as make run locks it

# Redis's users, their passwords and its ACL file are made by deploy/redis-acl.sh from
# deploy/redis-users.acl; its settings (maxmemory, noeviction) come from deploy/redis.conf.
# Every service signs in as its own user; System.redis() as "admin", the operator's
# break-glass user, which no service uses.
REDIS_ADMIN = "admin"


def redis_users(folder):
    """Make (or keep) the users' password files in folder and its users.acl; the ACL path."""
    subprocess.run(["sh", os.path.join(ROOT, "deploy", "redis-acl.sh"), folder], check=True)
    return os.path.join(folder, "users.acl")


def acl_refusals(lines):
    """(username, reason, object) of each entry of ACL LOG as redis-cli prints it (raw),
    sign-in failures (reason auth) left out."""
    out, entry = [], {}
    for key, value in zip(lines, lines[1:]):
        if key in ("reason", "object", "username"):
            entry[key] = value
            if len(entry) == 3:
                if entry["reason"] != "auth":
                    out.append((entry["username"], entry["reason"], entry["object"]))
                entry = {}
    return out


# ---------------------------------------------------------------- the system

class System:
    """redis + broker + services, all real processes.

        with System({"approvals": 2}) as system:
            client = system.client()
            ...

    counts: instances per service (default 1 each). gateway: also start wfa-gateway
    (System.url is its http://127.0.0.1:PORT, System.http() calls it; gateway_env: its
    extra environment, e.g. rate limits).
    """

    def __init__(self, counts=None, redeliver_ms=1000, verbose=True, extra_env=None,
                 bin_dir=None, wrapper=None, redis_args=None, gateway=False, gateway_env=None):
        self.counts = {name: 1 for name in SERVICES}
        self.counts.update(counts or {})
        self.redeliver_ms = redeliver_ms
        self.verbose = verbose
        self.extra_env = dict(extra_env or {})
        self.bin_dir = bin_dir or BIN        # e.g. build-asan/bin for the sanitizer build
        self.wrapper = list(wrapper or [])  # e.g. ["valgrind", ...] before each program
        self.redis_args = list(redis_args or [])    # e.g. ["--maxmemory", "4mb"], after ours
        self.tmp = tempfile.mkdtemp(prefix="fleksi-test-")
        self.clock_path = os.path.join(self.tmp, "clock")   # the simulated day's offset
        self.anchors_path = os.path.join(self.tmp, "audit", "anchors.log")  # WFA_AUDIT_ANCHORS
        self.redis_users = os.path.join(self.tmp, "redis-users")   # <user>.password, users.acl
        self.redis_port = spare_port()
        self.frontend = "tcp://127.0.0.1:%d" % spare_port()
        self.backend = "tcp://127.0.0.1:%d" % spare_port()
        self.keys = os.path.join(self.tmp, "keys")          # CURVE certificates, audit key
        self.procs = {}          # name -> list of Popen (None for a stopped slot)
        self.metrics = {}        # (name, index) -> "127.0.0.1:PORT" its /metrics is served on
        self.killed = set()      # Popen objects we killed on purpose
        self.clients = []
        self.gateway = gateway
        self.gateway_env = dict(gateway_env or {})
        self.http_port = spare_port() if gateway else None
        self.url = "http://127.0.0.1:%d" % self.http_port if gateway else None
        self._idps = {}         # pemda -> (private key, kid) of its test identity provider

    # -- context manager

    def __enter__(self):
        try:
            self.start_all()
        except BaseException:
            self._report_failure()
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._report_failure()
        refused = self.acl_refusals() if exc_type is None else []
        self.stop()
        if refused:
            self._report_failure()
            raise AssertionError("Redis refused commands of a service (NOPERM): add them to its "
                                 "user in deploy/redis-users.acl: %r" % refused)
        if exc_type is None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    # -- starting

    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("WFA_")}
        env.update({
            "WFA_REDIS": "127.0.0.1:%d" % self.redis_port,
            "WFA_BROKER": self.backend,
            "WFA_FRONTEND": self.frontend,
            "WFA_BACKEND": self.backend,
            "WFA_REDELIVER_MS": str(self.redeliver_ms),
            "WFA_KEYS": self.keys,
            "WFA_AUDIT_ANCHORS": self.anchors_path,
            "WFA_AUDIT_ANCHOR_MS": "500",
        })
        if self.verbose:
            env["WFA_VERBOSE"] = "1"
        offset = clock_offset_ms()
        if offset:
            env["WFA_CLOCK_FILE"] = self.clock_path
            with open(self.clock_path, "w") as f:
                f.write(str(offset))
        env.update(self.extra_env)
        return env

    def clock_file(self):
        """The clock file the services read, if they run on a moved clock."""
        if "WFA_CLOCK_FILE" in self.extra_env:
            return self.extra_env["WFA_CLOCK_FILE"]
        return self.clock_path if clock_offset_ms() else None

    def log_path(self, name, index=0):
        return os.path.join(self.tmp, "%s-%d.log" % (name, index))

    def _spawn(self, name, index, argv, env=None):
        log = open(self.log_path(name, index), "ab")
        log.write(("---- start %s #%d at %s\n" % (name, index, time.strftime("%H:%M:%S"))).encode())
        log.flush()
        full_env = self._env()
        full_env.update(env or {})
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=self.tmp, env=full_env)
        log.close()
        return proc

    def _argv(self, name):
        if name == "redis":
            redis_dir = os.path.join(self.tmp, "redis")
            os.makedirs(redis_dir, exist_ok=True)
            return ["redis-server", os.path.join(ROOT, "deploy", "redis.conf"),
                    "--port", str(self.redis_port), "--dir", redis_dir,
                    "--aclfile", redis_users(self.redis_users),
                    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--daemonize", "no", "--bind", "127.0.0.1"] + self.redis_args
        path = os.path.join(self.bin_dir, PROGRAMS[name])
        if not os.path.exists(path):
            raise AssertionError("%s is missing: run make first" % path)
        return self.wrapper + [path]

    def _metrics_env(self, group, index, env):
        """env with a WFA_METRICS_ADDR of the process's own (kept when its slot restarts),
        since two processes on one host cannot share a port."""
        env = dict(env or {})
        addr = env.get("WFA_METRICS_ADDR") or self.metrics.get((group, index)) \
            or "127.0.0.1:%d" % spare_port()
        self.metrics[(group, index)] = env["WFA_METRICS_ADDR"] = addr
        return env

    def metrics_addr(self, name, index=0):
        """host:port of the /metrics of the broker or a service instance (name as in procs)."""
        return self.metrics[(name, index)]

    def start_all(self):
        make_keys(self.keys, self.frontend, self.backend)
        self.procs["redis"] = [self._spawn("redis", 0, self._argv("redis"))]
        wait_until("redis-server to answer PING", lambda: redis_ping(self.redis_port), 15)
        self.procs["broker"] = [self._spawn("broker", 0, self._argv("broker"),
                                            self._metrics_env("broker", 0, None))]
        for name in SERVICES:
            self.procs[name] = []
            for _ in range(self.counts[name]):
                self.start(name)
        self.wait_ready()
        if self.counts["requests"]:      # who may hold a key is the requests service's say
            self.issue_key("kemendagri", KEMENDAGRI)
        if self.gateway:
            self.start_gateway()

    def start_gateway(self, index=None, wrapper=None):
        """Start wfa-gateway on self.url (its slot index to restart one; wrapper before the
        program, e.g. valgrind) and wait until it answers GET /v1/health."""
        env = {"WFA_HTTP": "127.0.0.1:%d" % self.http_port, "WFA_ENDPOINT": self.frontend}
        env.update(self.gateway_env)
        index = self.start("gateway", index, env, wrapper=wrapper)
        wait_until("the gateway to answer /v1/health",
                   lambda: _http_status(self.url + "/v1/health") == 200, 60)
        return index

    def stop_gateway(self, index=0):
        """Stop a gateway (SIGTERM) and wait for it to exit."""
        proc = self.procs["gateway"][index]
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)

    def person_token(self, nip, pemda="35.08", lifetime=3600):
        """A bearer credential that signs the person with this NIP in at the gateway: an
        OIDC access token (RS256) of the pemda's test identity provider, set up on first
        use (IDP.SET), valid for lifetime seconds from now (negative: expired)."""
        import jwt
        key, kid = self._identity_provider(pemda)
        now = int(time.time() + clock_offset_ms() / 1000)
        claims = {"iss": idp_issuer(pemda), "aud": IDP_AUDIENCE, "sub": "u-" + nip, "nip": nip,
                  "iat": now + min(0, lifetime) - 60, "nbf": now + min(0, lifetime) - 60,
                  "exp": now + lifetime}
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def integrator_token(self, pemda, name):
        """A bearer credential of pemda's integrator account NAME: an API token made by the
        operator (wfactl token create)."""
        out = self.wfactl("--json", "token", "create", "--pemda", pemda, "--role", "integrator",
                          "--name", name)
        return json.loads(out.stdout)["token"]

    def _identity_provider(self, pemda):
        """(private key, kid) of pemda's test identity provider, its JWKS set by the operator."""
        if pemda in self._idps:
            return self._idps[pemda]
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = "test-%s" % pemda
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        public.update({"kid": kid, "use": "sig", "alg": "RS256"})
        operator = Client(self.frontend, keys=self.keys, identity=key_path(self.keys, "operator"))
        try:
            reply = operator.call("IDP.SET", {"key": "idp-" + pemda, "pemda": pemda,
                                              "issuer": idp_issuer(pemda), "audience": IDP_AUDIENCE,
                                              "nip_claim": "nip",
                                              "jwks": json.dumps({"keys": [public]})})
        finally:
            operator.close()
        ok(reply, "IDP.SET %s" % pemda)
        self._idps[pemda] = (key, kid)
        return self._idps[pemda]

    def http(self, method, path, body=None, token=None, headers=None, data=None, timeout=30):
        """One HTTP request to the gateway: (status, headers, JSON body or text)."""
        return http_call(method, self.url + path, body, token, headers, data, timeout)

    def wfactl(self, *args, identity=None, check=True):
        """Run wfactl against this system (signed in with identity, a secret
        certificate path; default the operator's key); its CompletedProcess."""
        argv = [os.path.join(self.bin_dir, "wfactl")] + (["--identity", identity] if identity else [])
        out = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=30,
                             env=wfactl_env(self, WFA_AS=""))
        if check:
            assert out.returncode == 0, "wfactl %s: %s %s" % (" ".join(args), out.stdout, out.stderr)
        return out

    def issue_key(self, kind, who, pemda=None, identity=None):
        """Issue a key (kind nip, kemendagri or integrator) through wfactl, by the operator
        unless identity says who issues; the secret certificate's path."""
        args = ["keys", "issue", "--" + kind, who] + (["--pemda", pemda] if pemda else [])
        self.wfactl(*args, identity=identity)
        return key_path(self.keys, kind, who, pemda)

    def issue_keys(self, nips):
        """Issue each NIP in nips that has none a key, by the operator, as an admin or
        the operator hands people theirs (the tests that drive wfactl --as NIP); paths
        by NIP."""
        paths = {nip: key_path(self.keys, "nip", nip) for nip in nips}
        missing = sorted(nip for nip, path in paths.items() if not os.path.exists(path))
        for start in range(0, len(missing), 200):
            args = ["keys", "issue"]
            for nip in missing[start:start + 200]:
                args += ["--nip", nip]
            self.wfactl(*args)
        return paths

    def start(self, name, index=None, env=None, group=None, wrapper=None):
        """Start one instance of a service (or the broker, or redis).

        With index, (re)start that slot, which must not be running; otherwise add one.
        env: extra environment; group: keep it apart from `name`'s instances under this
        label (wait_ready then does not expect it to register), e.g. one pointed at
        another broker.
        """
        group = group or name
        slots = self.procs.setdefault(group, [])
        if index is None:
            index = len(slots)
            slots.append(None)
        current = slots[index]
        assert current is None or current.poll() is not None, "%s #%d still running" % (group, index)
        if name != "redis":
            env = self._metrics_env(group, index, env)
        if name in SERVICES or name == "gateway":
            env.setdefault("WFA_REDIS_PASSWORD_FILE", self.redis_password_file(name))
        argv = self._argv(name)
        if wrapper:
            argv = list(wrapper) + argv
        slots[index] = self._spawn(group, index, argv, env)
        return index

    def kill9(self, name, index=0):
        proc = self.procs[name][index]
        self.killed.add(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def ping(self, timeout=1.0):
        """The broker's SYSTEM.PING services map, or None when there is no answer."""
        with Client(self.frontend, keys=self.keys) as client:
            reply = client.call("SYSTEM.PING", {}, timeout=timeout, retries=0)
        if reply.get("status") != "ok":
            return None
        return reply.get("services")

    def wait_ready(self, timeout=30.0):
        """Poll SYSTEM.PING until every service reports its expected live instance count."""
        expected = {name: len([p for p in self.procs[name] if p is not None])
                    for name in SERVICES}
        last = [None]

        def ready():
            services = self.ping()
            last[0] = services
            # A service none of whose workers ever announced itself is not listed
            return services is not None and all(services.get(n, 0) == c for n, c in expected.items())

        try:
            wait_until("services to register with the broker", ready, timeout, 0.1)
        except AssertionError:
            raise AssertionError("services not ready: expected %r, SYSTEM.PING said %r"
                                 % (expected, last[0]))

    def dead(self):
        """Processes that exited although nobody killed them: list of (name, index, code)."""
        out = []
        for name, slots in self.procs.items():
            for index, proc in enumerate(slots):
                if proc is not None and proc not in self.killed and proc.poll() is not None:
                    out.append((name, index, proc.returncode))
        return out

    def redis_password_file(self, user):
        return os.path.join(self.redis_users, "%s.password" % user)

    def redis_password(self, user):
        with open(self.redis_password_file(user)) as f:
            return f.read().strip()

    def redis(self, *args, user=REDIS_ADMIN):
        """Run one Redis command with redis-cli, signed in as user (the operator's admin);
        its output as text."""
        env = dict(os.environ, REDISCLI_AUTH=self.redis_password(user))
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), "--user", user]
                             + [str(a) for a in args], capture_output=True, timeout=10, env=env)
        return out.stdout.decode("utf-8", "replace")

    def anchors(self, pemda=None):
        """The audit anchor log's lines (time, pemda, seq, key id, seal), of one pemda or all."""
        try:
            with open(self.anchors_path) as f:
                lines = [line.split() for line in f]
        except FileNotFoundError:
            return []
        return [line for line in lines if pemda is None or line[1] == pemda]
    def acl_refusals(self):
        """Commands and keys Redis refused a service so far (ACL LOG), [] if Redis is down."""
        if not redis_ping(self.redis_port):
            return []
        return acl_refusals(self.redis("ACL", "LOG", "128").splitlines())

    def assert_alive(self):
        dead = self.dead()
        assert not dead, "processes died: %r" % dead

    # -- clients

    def client(self, **kwargs):
        kwargs.setdefault("reader", KEMENDAGRI)
        kwargs.setdefault("keys", self.keys)
        c = Client(self.frontend, **kwargs)
        self.clients.append(c)
        return c

    # -- stopping

    def stop(self, timeout=5):
        for c in self.clients:
            c.close()
        self.clients = []
        order = [n for n in self.procs if n not in ("broker", "redis")] + ["broker", "redis"]
        running = []
        for name in order:
            for proc in self.procs.get(name, []):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    running.append(proc)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- logs

    def log_text(self, name, index=0):
        try:
            with open(self.log_path(name, index), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, name, index=0, lines=30):
        return "\n".join(self.log_text(name, index).splitlines()[-lines:])

    def _report_failure(self):
        parts = ["system temp dir kept: %s" % self.tmp]
        dead = self.dead()
        if dead:
            parts.append("processes that died: %r" % dead)
        for name in self.procs:
            for index in range(len(self.procs[name])):
                parts.append("---- tail of %s" % self.log_path(name, index))
                parts.append(self.log_tail(name, index))
        failure_notes.append("\n".join(parts))


# ---------------------------------------------------------------- client

_ids = itertools.count(1)


def _decode(frame):
    return msgpack.unpackb(frame, raw=False, strict_map_key=False)


# ---------------------------------------------------------------- keys

_KEYS_BY_ENDPOINT = {}   # broker frontend or backend -> the key folder of its system


def make_keys(folder, *endpoints):
    """A fresh key folder (wfactl keys init), remembered for the endpoints."""
    subprocess.run([os.path.join(BIN, "wfactl"), "--json", "keys", "init", folder], check=True,
                   capture_output=True, timeout=30)
    for endpoint in endpoints:
        _KEYS_BY_ENDPOINT[endpoint] = folder
    return folder


def key_path(folder, kind, who=None, pemda=None):
    """Path of a secret certificate in a key folder (shared/wfa_keys.h)."""
    if kind == "nip":
        return os.path.join(folder, "people", who + ".key")
    if kind == "kemendagri":
        return os.path.join(folder, "kemendagri", who + ".key")
    if kind == "integrator":
        return os.path.join(folder, "integrators", "%s-%s.key" % (pemda, who))
    if kind == "service":
        return os.path.join(folder, "services", who + ".key")
    return os.path.join(folder, kind + ".key")       # operator, gateway, broker


def read_cert(path):
    """(public, secret) Z85 keys of a czmq certificate file (secret "" for a public one)."""
    with open(path) as f:
        text = f.read()
    public = re.search(r'public-key = "(.{40})"', text)
    secret = re.search(r'secret-key = "(.{40})"', text)
    return (public.group(1) if public else ""), (secret.group(1) if secret else "")


def curve_socket(kind, endpoint, folder, identity):
    """A socket signed in to the broker at endpoint with the certificate at identity."""
    sock = zmq.Context.instance().socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDTIMEO, 5000)
    if identity is not None:
        public, secret = read_cert(identity)
        sock.curve_publickey = public.encode()
        sock.curve_secretkey = secret.encode()
        sock.curve_serverkey = read_cert(os.path.join(folder, "broker.cert"))[0].encode()
    sock.connect(endpoint)
    return sock


class Client:
    """DEALER sockets on the broker frontend, with Lazy Pirate retries.

    Every call gets v=1 and a unique correlation id; replies are matched by id.
    A call with no reply in `timeout` seconds is sent again with the very same body
    (same idempotency key), at most `retries` more times; a reply whose code is
    retryable (SERVICE_UNAVAILABLE, ...) is also retried after a short pause.
    A call that never gets an answer yields {"status": "error", "code": "TIMEOUT"}.

    Signed in with CURVE: identity (a secret certificate) for every call when given;
    otherwise the gateway's key, except that a call whose "as" is a Kemendagri reader
    of the key folder goes with that reader's key, and an import naming nobody with
    the operator's. reader: the "as" of reads that name nobody.
    """

    def __init__(self, endpoint, lang=None, reader=None, keys=None, identity=None):
        self.endpoint = endpoint
        self.lang = lang
        self.reader = reader    # "as" for reads that name nobody
        self.keys = keys or _KEYS_BY_ENDPOINT.get(endpoint)
        self.identity = identity
        self.prefix = "c%d-%d" % (os.getpid(), next(_ids))
        self.socks = {}         # identity path -> socket
        self.sock = self._sock(identity or self._default())
        self.sent = 0   # frames sent, retries included

    def _default(self):
        return key_path(self.keys, "gateway") if self.keys else None

    def _sock(self, identity):
        if identity not in self.socks:
            self.socks[identity] = curve_socket(zmq.DEALER, self.endpoint, self.keys, identity)
        return self.socks[identity]

    def _sock_for(self, cmd, body):
        """The socket a call goes out on: who it is signed in as."""
        if self.identity or not self.keys:
            return self.sock
        who = body.get("as")
        if isinstance(who, str) and who.isdigit():
            national = key_path(self.keys, "kemendagri", who)
            if os.path.exists(national):
                return self._sock(national)
        if cmd == "EMPLOYEE.IMPORT" and "as" not in body:
            return self._sock(key_path(self.keys, "operator"))
        return self.sock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        for sock in self.socks.values():
            if not sock.closed:
                sock.close(0)

    def _prepare(self, cmd, body):
        body = dict(body)
        body.setdefault("v", 1)
        if self.lang is not None:
            body.setdefault("lang", self.lang)
        if cmd in READS and self.reader and "as" not in body:
            body["as"] = self.reader
        body["id"] = "%s-%d" % (self.prefix, next(_ids))
        return body["id"], [cmd.encode(), msgpack.packb(body, use_bin_type=True)], \
            self._sock_for(cmd, body)

    def call(self, cmd, body, timeout=3.0, retries=3):
        return self.call_many([(cmd, body)], timeout=timeout, retries=retries)[0]

    def call_many(self, calls, timeout=3.0, retries=3, window=100, on_reply=None):
        """Send (cmd, body) calls keeping up to `window` in flight; replies in call order.

        on_reply(index, reply), if given, is called as each final reply arrives.
        """
        results = [None] * len(calls)
        pending = {}   # id -> [index, cmd, frames, resend_at, retries_left]
        next_index = 0
        done = 0
        while done < len(calls):
            while next_index < len(calls) and len(pending) < window:
                cmd, body = calls[next_index]
                call_id, frames, sock = self._prepare(cmd, body)
                sock.send_multipart(frames)
                self.sent += 1
                pending[call_id] = [next_index, cmd, frames, time.monotonic() + timeout, retries,
                                    sock]
                next_index += 1
            wait = min(p[3] for p in pending.values()) - time.monotonic()
            poller = zmq.Poller()
            for sock in self.socks.values():
                poller.register(sock, zmq.POLLIN)
            if wait > 0 and poller.poll(int(wait * 1000) + 1):
                for sock in list(self.socks.values()):
                    while sock.poll(0):
                        frames = sock.recv_multipart()
                        assert len(frames) == 2, "reply has %d frames: %r" % (len(frames), frames[:3])
                        reply = _decode(frames[1])
                        assert isinstance(reply, dict), "reply body is not a map: %r" % (reply,)
                        entry = pending.get(reply.get("id"))
                        if entry is None:
                            continue   # a late reply to a call already answered
                        index, cmd = entry[0], entry[1]
                        assert frames[0] == cmd.encode(), \
                            "reply frame 0 is %r, call was %r" % (frames[0], cmd)
                        if reply.get("code") in RETRYABLE and entry[4] > 0:
                            entry[3] = time.monotonic() + 0.25   # resend after a pause
                            continue
                        del pending[reply["id"]]
                        results[index] = reply
                        done += 1
                        if on_reply:
                            on_reply(index, reply)
            now = time.monotonic()
            for call_id, entry in list(pending.items()):
                if entry[3] > now:
                    continue
                if entry[4] > 0:
                    entry[4] -= 1
                    entry[3] = now + timeout
                    entry[5].send_multipart(entry[2])
                    self.sent += 1
                else:
                    del pending[call_id]
                    results[entry[0]] = {"status": "error", "code": "TIMEOUT",
                                         "message": "no reply after %d tries" % (retries + 1)}
                    done += 1
                    if on_reply:
                        on_reply(entry[0], results[entry[0]])
        return results


def ok(reply, what=""):
    """Assert a reply is ok and return it."""
    assert reply.get("status") == "ok" and reply.get("code") == "OK", \
        "%s: expected ok, got %r" % (what or "call", reply)
    return reply


def error_codes(reply):
    """The set of codes in a reply: its code and every code in errors."""
    codes = {reply.get("code")}
    for e in reply.get("errors") or []:
        codes.add(e.get("code"))
    return codes


# ---------------------------------------------------------------- raw frames

class RawSocket:
    """A DEALER socket for sending arbitrary frames and reading whatever comes back,
    signed in with identity (a secret certificate; default the gateway's key of the
    endpoint's system; False: no CURVE at all)."""

    def __init__(self, endpoint, identity=None, keys=None):
        keys = keys or _KEYS_BY_ENDPOINT.get(endpoint)
        if identity is None and keys:
            identity = key_path(keys, "gateway")
        self.sock = curve_socket(zmq.DEALER, endpoint, keys, identity or None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close(0)
        return False

    def drain(self):
        while self.sock.poll(0):
            self.sock.recv_multipart()

    def send(self, frames):
        self.sock.send_multipart(frames)

    def recv(self, timeout=3.0):
        """The next message's frames, or None after timeout seconds."""
        if not self.sock.poll(int(timeout * 1000)):
            return None
        return self.sock.recv_multipart()

    def exchange(self, frames, timeout=3.0):
        """Send frames, return (frames, decoded body or None) of the reply, or None."""
        self.drain()
        self.send(frames)
        got = self.recv(timeout)
        if got is None:
            return None
        return got, decode_body(got)


def decode_body(frames):
    """The reply map of a 2-frame reply, or None if there is none or it does not decode
    (strictly: msgpack str must be UTF-8); the reason is kept in decode_body.error."""
    decode_body.error = None
    if len(frames) != 2:
        decode_body.error = "%d frames" % len(frames)
        return None
    try:
        return _decode(frames[1])
    except UnicodeDecodeError as e:
        decode_body.error = "%s: %s in %r" % (type(e).__name__, e, frames[1][:300])
        try:   # well-formed but not UTF-8: decode anyway, the caller decides
            return msgpack.unpackb(frames[1], raw=False, strict_map_key=False,
                                   unicode_errors="surrogateescape")
        except Exception:
            return None
    except Exception as e:
        decode_body.error = "%s: %s in %r" % (type(e).__name__, e, frames[1][:300])
        return None


# ---------------------------------------------------------------- dates

# Every date a test uses comes from the day the tests run on, today_wib(). By default that
# is the real date in WIB; tests/run.py sets WFA_TEST_TODAY (YYYY-MM-DD) to run the
# date-dependent tests on other days too (each weekday, a year end), and then every service
# of a System, and wfactl, run on a clock moved by whole days to that date (WFA_CLOCK_FILE),
# so the time of day stays real.

def real_today_wib():
    return datetime.datetime.now(WIB).date()


def today_wib():
    """The day the tests run on, in WIB: WFA_TEST_TODAY when set, else the real date."""
    simulated = os.environ.get("WFA_TEST_TODAY")
    if simulated:
        return datetime.date.fromisoformat(simulated)
    return real_today_wib()


def now_in(tz_hours):
    """The tests' present moment in a zone (UTC+tz_hours), on the tests' clock."""
    return (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=tz_hours)))
            + datetime.timedelta(milliseconds=clock_offset_ms()))


def clock_offset_ms():
    """Milliseconds the services' clock runs ahead of (or behind) the real one: whole days
    from the real WIB date to today_wib()."""
    return (today_wib() - real_today_wib()).days * 86400000


class Clock:
    """A clock file for the services (WFA_CLOCK_FILE): set it to a local time of a pemda's
    zone, whatever day the tests run on. Start the System with extra_env
    {"WFA_CLOCK_FILE": clock.path}."""

    def __init__(self, path):
        self.path = path
        self.set_offset(clock_offset_ms())

    def set_offset(self, ms):
        with open(self.path + ".tmp", "w") as f:
            f.write(str(int(ms)))
        os.replace(self.path + ".tmp", self.path)

    def offset_ms(self):
        """How far the services' clock runs ahead of the real one now (ms)."""
        with open(self.path) as f:
            return int(f.read().strip() or 0)

    def set(self, day, hour, minute=0, tz_hours=7):
        """The services' now is then at least that time (the offset rounded up)."""
        zone = datetime.timezone(datetime.timedelta(hours=tz_hours))
        when = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        self.set_offset(math.ceil(when.timestamp() * 1000 - time.time() * 1000) + 1)


def wall_ms():
    """The real time (ms since the epoch), not the test clock: what a browser's own clock
    reads, for a test that checks a page computing with it."""
    return int(time.time() * 1000)


def local_ms(day, hour, minute=0, tz_hours=7):
    """A local time of a zone as ms since the epoch."""
    zone = datetime.timezone(datetime.timedelta(hours=tz_hours))
    return int(datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp() * 1000)


def workdays(count, skip=0, start_offset=2):
    """`count` Mon-Fri dates (ISO strings) from today (WIB) + start_offset days on,
    after skipping the first `skip` of them. start_offset 2 keeps us clear of midnight.
    For near dates only: an employee's dates in later weeks come from week_days()."""
    day = today_wib() + datetime.timedelta(days=start_offset)
    out = []
    seen = 0
    while len(out) < count:
        if day.weekday() < 5:
            if seen >= skip:
                out.append(day.isoformat())
            seen += 1
        day += datetime.timedelta(days=1)
    return out


def week_days(j, count=5):
    """The first `count` working days (Mon-Fri) of week slot j: the j-th ISO week after the
    coming one (see weekly_monday). The one source of dates in later weeks: distinct slots
    are distinct ISO weeks, whatever the weekday today, so a test that gives each case of
    one employee its own slot can never see one case's days in another's week."""
    assert 0 <= j and 1 <= count <= 5, (j, count)
    monday = datetime.date.fromisoformat(weekly_monday(j))
    return [(monday + datetime.timedelta(days=n)).isoformat() for n in range(count)]


def weekly_monday(j):
    """The Monday of week slot j: the j-th ISO week after the coming one (WIB), which always
    starts at least 2 days from today. One date per week keeps an employee's requests within
    the weekly cap of location days."""
    day = today_wib() + datetime.timedelta(days=2)
    day += datetime.timedelta(days=7 - day.weekday())
    return (day + datetime.timedelta(weeks=j)).isoformat()


def future_weekend():
    day = today_wib() + datetime.timedelta(days=2)
    while day.weekday() != 5:
        day += datetime.timedelta(days=1)
    return day.isoformat()


def past_workday():
    day = today_wib() - datetime.timedelta(days=7)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day.isoformat()


# ---------------------------------------------------------------- employees

def make_nip(n, gender=None):
    """A valid, unique NIP for every n in 0 .. 9,999,999:
    YYYYMMDD birth + YYYYMM appointment + gender (1/2) + 3-digit sequence."""
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 1000)
    # Appointed (TMT CPNS) at 18 to 60, as wfa_nip_valid asks: from 1995, or at 19 for
    # those born after 1976 (n from 2,600,000 on)
    appointed = "%04d%02d" % (max(1995 + (n // 1000) % 25, birth.year + 19), 1 + n % 12)
    gender = gender or (1 + n % 2)
    return "%s%s%d%03d" % (birth.strftime("%Y%m%d"), appointed, gender, n % 1000)


def service_start_of(nip):
    """The start of service a test employee has on record: the appointment month of its NIP."""
    return "%s-%s" % (nip[8:12], nip[12:14])


def employee(nip, name, pemda, opd, position, supervisor_nip="", roles=("pegawai",),
             service_start=None, position_eligible=None):
    """A personnel row. Eligibility needs the start of service and the position's flag on
    record (missing = deny): by default the NIP's appointment month and an eligible
    position; pass "" to leave one out."""
    row = {"nip": nip, "name": name, "pemda": pemda, "opd": opd, "position": position,
           "supervisor_nip": supervisor_nip, "roles": list(roles)}
    if service_start is None:
        service_start = service_start_of(nip)
    if position_eligible is None:
        position_eligible = "yes"
    if service_start:
        row["service_start"] = service_start
    if position_eligible:
        row["position_eligible"] = position_eligible
    return row


class Org:
    """A pemda's people: a sekda (no supervisor), and per OPD a kepala (reports to the
    sekda), `supervisors` atasan (report to the kepala) and `staff` pegawai per atasan;
    last, a BKD officer (OPD "BKD", role bkd, reporting to the sekda), who decides the
    default chain's last step. The BKD row comes after every other, so the NIPs of the
    others do not depend on it.

    rows: EMPLOYEE.IMPORT rows; staff: list of staff rows; approver[nip]: supervisor nip;
    bkd: the BKD officer's row.
    """

    def __init__(self, pemda="35.08", opds=("DINKES", "DISDIK", "BAPPEDA"),
                 supervisors=2, staff=3, base=0):
        self.pemda = pemda
        self.opds = list(opds)
        self.rows = []
        self.staff = []
        self.supervisors = []
        self.approver = {}
        self.opd_of = {}
        counter = itertools.count(base)

        def add(name, opd, position, supervisor, roles):
            nip = make_nip(next(counter))
            row = employee(nip, name, pemda, opd, position, supervisor, roles)
            self.rows.append(row)
            self.opd_of[nip] = opd
            if supervisor:
                self.approver[nip] = supervisor
            return row

        self.sekda = add("Sekretaris Daerah", "SETDA", "Sekretaris Daerah", "",
                         ["pegawai", "atasan", "admin_pemda"])
        self.kepala = {}
        for o, opd in enumerate(self.opds):
            kepala = add("Kepala %s" % opd, opd, "Kepala Dinas", self.sekda["nip"],
                         ["pegawai", "atasan", "kepala_opd"])
            self.kepala[opd] = kepala
            for s in range(supervisors):
                sup = add("Atasan %s %d" % (opd, s + 1), opd, "Kepala Bidang", kepala["nip"],
                          ["pegawai", "atasan"])
                self.supervisors.append(sup)
                for e in range(staff):
                    self.staff.append(add("Pegawai %s %d.%d" % (opd, s + 1, e + 1), opd,
                                          "Analis", sup["nip"], ["pegawai"]))
        self.bkd = add("Petugas BKD", "BKD", "Analis SDM Aparatur", self.sekda["nip"],
                       ["pegawai", "bkd"])

    def unknown_nip(self):
        """A valid NIP that belongs to nobody in this org."""
        return make_nip(9_999_000)


def import_rows(client, rows, key_prefix="import"):
    """EMPLOYEE.IMPORT in batches of at most 1,000 rows; assert each batch is ok."""
    replies = []
    for start in range(0, len(rows), 1000):
        batch = rows[start:start + 1000]
        reply = client.call("EMPLOYEE.IMPORT", {"key": "%s-%d" % (key_prefix, start),
                                                "rows": batch}, timeout=10)
        ok(reply, "EMPLOYEE.IMPORT")
        assert reply.get("imported") == len(batch), reply
        replies.append(reply)
    return replies


def staffed(system, org=None):
    """A client of system, and org (by default a small one of one pemda) imported:
    (client, org)."""
    org = org or Org(supervisors=1, staff=1)
    client = system.client()
    import_rows(client, org.rows)
    return client, org


# What each step of the chain records on an approval (APPROVAL.DECIDE): the atasan's
# assessment, the kepala OPD's proposal; the BKD's decision takes its number itself.
STEP_FIELDS = {
    "atasan": {"tasks_fit": True, "targets_measurable": True},
    "kepala_opd": {"service_continues": True, "capacity_ok": True},
    "bkd": {},
}


def awaiting(client, rid, timeout=15):
    """The request once its current step awaits someone (or it is decided): a step opens
    in the step that submits or decides, a waiting one (NO_APPROVER) when someone holds its
    role. A step waiting with NO_APPROVER fails."""
    def opened():
        request = ok(client.call("REQUEST.GET", {"request_id": rid}))["request"]
        if request["state"] == "submitted":
            return None
        if request["state"] == "pending" and not request.get("approver"):
            assert request.get("waiting") != "NO_APPROVER" or timeout == 0, request
            return None
        return request
    return wait_until("%s to await an approver" % rid, opened, timeout)


def approve_chain(client, rid, note="Setuju", final=True, key="chain", timeout=15):
    """Approve request rid at every step of its chain, each as the first approver the step
    awaits, with what that step records (STEP_FIELDS). Returns the reply of the final
    approval (state approved, with approval_number). With final=False, stops before the
    last step and returns the request map awaiting it (request["approver"] decides it)."""
    while True:
        request = awaiting(client, rid, timeout)
        assert request["state"] == "pending", request
        if not final and request["step"] == request["steps"]:
            return request
        body = {"key": "%s-%s-%d" % (key, rid, request["step"]),
                "as": request["approver"].split(",")[0], "request_id": rid,
                "decision": "approve", "note": note}
        body.update(STEP_FIELDS[request["step_role"]])
        reply = ok(client.call("APPROVAL.DECIDE", body), "approve %s" % request["step_role"])
        if reply["state"] != "pending":
            return reply


def approve_chains(client, rids, note="Setuju", key="chains", timeout=30):
    """approve_chain for many requests at once: a round of APPROVAL.DECIDE calls per step,
    each request as the first approver its current step awaits. Returns the final replies,
    by request id."""
    wait_until("every step open", lambda: all(
        r["request"]["state"] != "submitted" and r["request"].get("approver")
        for r in client.call_many([("REQUEST.GET", {"request_id": rid}) for rid in rids])), timeout)
    left, final = list(rids), {}
    while left:
        requests = [ok(r)["request"] for r in
                    client.call_many([("REQUEST.GET", {"request_id": rid}) for rid in left])]
        calls = []
        for request in requests:
            assert request["state"] == "pending" and request.get("approver"), request
            body = {"key": "%s-%s-%d" % (key, request["request_id"], request["step"]),
                    "as": request["approver"].split(",")[0], "request_id": request["request_id"],
                    "decision": "approve", "note": note}
            body.update(STEP_FIELDS[request["step_role"]])
            calls.append(("APPROVAL.DECIDE", body))
        for rid, reply in zip(left, client.call_many(calls, timeout=10)):
            if ok(reply, "approve %s" % rid)["state"] != "pending":
                final[rid] = reply
        left = [rid for rid in left if rid not in final]
    return final


CSV_HEADER = ["nip", "name", "pemda", "opd", "position", "supervisor_nip", "roles",
              "service_start", "position_eligible"]


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for r in rows:
            w.writerow([r["nip"], r["name"], r["pemda"], r["opd"], r["position"],
                        r["supervisor_nip"], ";".join(r["roles"]), r.get("service_start", ""),
                        r.get("position_eligible", "")])


def submit_body(nip, dates, key, kind="rumah", location="Rumah, Lumajang",
                reason="Menyelesaikan laporan", plan=("Menyusun laporan",)):
    return {"key": key, "as": nip, "kind": kind, "dates": list(dates),
            "location": location, "reason": reason, "plan": list(plan)}


REQUEST_ID_RE = re.compile(r"^REQ-\d{2}(\.\d{2})?-\d+$")


def wfactl_env(system, args=(), people=(), **extra):
    """Environment for running wfactl against a test system: its endpoint and key
    folder, and the national reader's key for reads (an explicit --as wins; WFA_AS=""
    signs in with the operator's key). With the command line in args, the person its
    --as names is issued a key first if they have none, as the operator hands people
    theirs (test_identity checks that without the key wfactl cannot act); so is each
    NIP in people."""
    args = [str(a) for a in args]
    people = list(people) + [args[i + 1] for i, a in enumerate(args[:-1])
                             if a == "--as" and args[i + 1] != KEMENDAGRI]
    if people:
        system.issue_keys(people)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFA_")}
    env.update({"WFA_ENDPOINT": system.frontend, "WFA_KEYS": system.keys,
                "WFA_AS": KEMENDAGRI})
    if system.clock_file():
        env["WFA_CLOCK_FILE"] = system.clock_file()
    env.update(extra)
    return env


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP

def http_call(method, url, body=None, token=None, headers=None, data=None, timeout=30):
    """One HTTP request with urllib: body (JSON-encoded) or data (bytes as they are),
    token as Authorization: Bearer. Returns (status, headers (lower-case names), the
    parsed JSON body, or its text when it is not JSON)."""
    head = {}
    if body is not None:
        data = json.dumps(body).encode()
        head["Content-Type"] = "application/json"
    if token:
        head["Authorization"] = "Bearer " + token
    head.update(headers or {})
    request = urllib.request.Request(url, data=data, method=method, headers=head)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, got, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        status, got, raw = e.code, e.headers, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return status, {k.lower(): v for k, v in got.items()}, parsed


def _http_status(url):
    """The status of GET url, or None when nothing answers."""
    try:
        return http_call("GET", url, timeout=2)[0]
    except (OSError, urllib.error.URLError):
        return None
