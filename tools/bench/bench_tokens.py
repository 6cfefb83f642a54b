#!/usr/bin/env python3
"""bench_tokens.py CSV MAP [WORK] - a bearer credential for each person of the bench's
employees file, for wfa-bench --gateway --tokens MAP (lines "NIP TOKEN").

The pemda 35.08 gets a test OpenID Connect provider (an RSA key made here, its JWKS, kept
in WORK, set with `wfactl idp set`, which signs in as the operator with WFA_KEYS), and
each person an RS256 access token of it, valid for a day on the services' clock
(WFA_CLOCK_FILE holds its offset in ms).
"""

import csv
import json
import os
import subprocess
import sys
import time

ISSUER = "https://sso.bench.test/35.08"
AUDIENCE = "fleksi"


def nips(path):
    with open(path, newline="") as f:
        return [row["nip"] for row in csv.DictReader(f)]


def clock_now():
    offset = 0
    path = os.environ.get("WFA_CLOCK_FILE")
    if path and os.path.exists(path):
        with open(path) as f:
            offset = int(f.read().strip() or 0)
    return int(time.time() + offset / 1000)


def sign_tokens(people, out, work):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": "bench", "use": "sig", "alg": "RS256"})
    jwks = os.path.join(work, "bench-jwks.json")
    with open(jwks, "w") as f:
        json.dump({"keys": [public]}, f)
    wfactl = os.path.join(os.environ.get("WFA_BIN", "build/bin"), "wfactl")
    subprocess.run([wfactl, "idp", "set", "--pemda", "35.08", "--issuer", ISSUER, "--audience",
                    AUDIENCE, "--jwks", jwks], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, WFA_AS=""))
    now = clock_now()
    for nip in people:
        token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "bench-" + nip, "nip": nip,
                            "iat": now - 60, "nbf": now - 60, "exp": now + 86400},
                           key, algorithm="RS256", headers={"kid": "bench"})
        out.write("%s %s\n" % (nip, token))


def main():
    employees, map_path = sys.argv[1:3]
    work = sys.argv[3] if len(sys.argv) > 3 else os.path.dirname(map_path)
    with open(map_path, "w") as out:
        sign_tokens(nips(employees), out, work)


if __name__ == "__main__":
    main()
