"""docker-compose.yml: redis with AOF on, every other service runs a program `make` builds,
and the Dockerfiles it builds from exist under deploy/."""

import os
import re

import yaml

from harness import BIN, PROGRAMS, ROOT

MADE = set(PROGRAMS.values())          # wfa-broker, wfa-requests, ... (the Makefile's services)


def words(value):
    """command / entrypoint as a list of words (compose allows a string or a list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def test_compose_file():
    path = os.path.join(ROOT, "docker-compose.yml")
    assert os.path.exists(path), "docker-compose.yml is missing at the repository root"
    with open(path) as f:
        compose = yaml.safe_load(f)
    assert isinstance(compose, dict) and isinstance(compose.get("services"), dict), compose
    services = compose["services"]

    # Redis with the append-only file on.
    redis = [name for name, s in services.items()
             if "redis" in str(s.get("image", "")) or "redis-server" in words(s.get("command"))]
    assert len(redis) == 1, "expected one redis service, found %r" % redis
    command = " ".join(words(services[redis[0]].get("command")))
    assert re.search(r"--appendonly\s+yes\b", command), "redis command lacks --appendonly yes: %r" % command

    # Every other service runs one of the programs make produces (the one-shot keys
    # service runs wfactl keys init, which make produces too).
    ran = set()
    dockerfiles = set()
    for name, service in services.items():
        build = service.get("build")
        if build is not None:
            if isinstance(build, str):
                context, dockerfile = build, "Dockerfile"
            else:
                context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
            dockerfiles.add(os.path.normpath(os.path.join(ROOT, context, dockerfile)))
        if name in redis:
            continue
        argv = words(service.get("entrypoint")) + words(service.get("command"))
        programs = [os.path.basename(w) for w in argv if os.path.basename(w) in MADE]
        if argv[:3] == ["wfactl", "keys", "init"]:
            assert os.path.exists(os.path.join(BIN, "wfactl")), "make does not produce wfactl"
            keys = words(service.get("command"))[-1]
            keyed = [n for n, s in services.items() if n not in redis and n != name]
            for other in keyed:    # every program signs in with the keys it makes
                assert any(v.split(":")[1] == keys for v in services[other].get("volumes", [])), other
            continue
        assert programs, "service %s runs %r, none of %s" % (name, argv, sorted(MADE))
        ran.update(programs)
    assert ran == MADE, "programs run by compose: %r, expected all of %r" % (sorted(ran), sorted(MADE))
    for program in MADE:
        assert os.path.exists(os.path.join(BIN, program)), "make does not produce %s" % program

    # The Dockerfiles it references exist under deploy/.
    assert dockerfiles, "no service builds an image"
    deploy = os.path.join(ROOT, "deploy") + os.sep
    for dockerfile in dockerfiles:
        assert dockerfile.startswith(deploy), "%s is not under deploy/" % dockerfile
        assert os.path.isfile(dockerfile), "%s is missing" % dockerfile
        with open(dockerfile) as f:
            text = f.read()
        assert re.search(r"^FROM\s", text, re.M), "%s has no FROM" % dockerfile
        # The image builds with every library the Makefile builds with (make deps's -dev
        # packages): a new one added to the build but not to the image breaks it
        with open(os.path.join(ROOT, "Makefile")) as f:
            makefile = f.read().replace("\\\n", " ")
        packages = re.search(r"^DEB_PACKAGES\s*:=(.*)$", makefile, re.M).group(1).split()
        for package in packages:
            if package.startswith("lib") and package.endswith("-dev"):
                assert re.search(r"\b%s\b" % re.escape(package), text), \
                    "%s does not install %s, which make builds with" % (dockerfile, package)
