"""The HTTP gateway's credentials (issue 11, item 2), over the native protocol and wfactl:

- TOKEN.CREATE prints the token once, as fleksi_PEMDA_ID_SECRET; Redis keeps its SHA-256
  and nothing else of it (not in any key, not in the AOF); a retry with the same key answers
  the same token without its secret; TOKEN.LIST pages by cursor and never shows a secret or
  hash; TOKEN.REVOKE is at once, and once;
- who may: the operator and the pemda's admin_pemda; a BKD officer, an employee, an
  integrator account, Kemendagri and another pemda's admin_pemda get FORBIDDEN;
- the gateway's "as" = integrator:PEMDA:NAME makes the call that integrator's, exactly as
  its own key would; from any other principal it is FORBIDDEN;
- IDP.SET/IDP.GET keep a pemda's identity provider (an issuer belongs to one pemda), audited;
- wfactl token create|list|revoke and idp set|get drive them.
"""

import glob
import hashlib
import json
import os
import re
import subprocess
import time

import msgpack

from harness import (KEMENDAGRI, Org, System, import_rows, key_path, ok, wfactl_env)

TOKEN = re.compile(r"^fleksi_(\d\d(?:\.\d\d)?)_([0-9a-f]{16})_([0-9a-f]{64})$")
ISSUER = "https://sso.lumajangkab.go.id/realms/asn"


def two_pemdas(system):
    """35.08 and 35.09, each with its admin_pemda (the sekda), imported by the operator."""
    a, b = Org("35.08", supervisors=1, staff=1), Org("35.09", supervisors=1, staff=1, base=100)
    import_rows(system.client(), a.rows + b.rows)
    return a, b


def operator(system):
    return system.client(identity=key_path(system.keys, "operator"), reader=None)


def create(client, key, pemda="35.08", name="simpeg.sync", **extra):
    body = {"key": key, "pemda": pemda, "role": "integrator", "name": name}
    body.update(extra)
    return client.call("TOKEN.CREATE", body)


def redis_values(system):
    """Every key and value in Redis, as one text (hashes, strings, lists, sets, zsets)."""
    out = []
    for key in system.redis("--scan").split():
        kind = system.redis("TYPE", key).strip()
        read = {"hash": ("HGETALL",), "string": ("GET",), "list": ("LRANGE", 0, -1),
                "set": ("SMEMBERS",), "zset": ("ZRANGE", 0, -1)}.get(kind)
        out.append(key)
        if read:
            out.append(system.redis(read[0], key, *read[1:]))
    return "\n".join(out)


def aof_text(system):
    data = b""
    for path in glob.glob(os.path.join(system.tmp, "redis", "**", "*.aof*"), recursive=True):
        with open(path, "rb") as f:
            data += f.read()
    return data


def test_tokens_made_once_kept_as_a_hash_listed_and_revoked():
    with System(verbose=False) as system:
        a, b = two_pemdas(system)
        op = operator(system)
        gateway = system.client()
        admin, other_admin = a.sekda["nip"], b.sekda["nip"]

        made = ok(create(op, "t1", expires_days=30), "operator creates")
        m = TOKEN.match(made["token"])
        assert m and m.group(1) == "35.08" and m.group(2) == made["token_id"], made
        secret = m.group(3)
        assert made["name"] == "simpeg.sync" and made["role"] == "integrator" and made["pemda"] == "35.08"
        day = 86400000
        assert abs(made["expires_at"] - made["created_at"] - 30 * day) < 1000, made

        # Stored: the hash of the secret, and nowhere the secret itself
        record = system.redis("HGETALL", "wfa:{35.08}:token:" + made["token_id"]).split()
        fields = dict(zip(record[::2], record[1::2]))
        assert fields["hash"] == hashlib.sha256(secret.encode()).hexdigest(), fields
        assert fields["name"] == "simpeg.sync" and fields["revoked_at"] == "0", fields
        time.sleep(1.5)             # the AOF is written every second
        assert secret not in redis_values(system)
        assert secret.encode() not in aof_text(system) and made["token"].encode() not in aof_text(system)

        # A retry answers the same token, without the secret it no longer has
        again = ok(create(op, "t1", expires_days=30))
        assert again["token"] == "" and again["token_id"] == made["token_id"], again
        assert again["created_at"] == made["created_at"] and again["name"] == "simpeg.sync"

        # The same key with another body is not a retry
        reused = create(op, "t1", expires_days=31)
        assert reused["code"] == "IDEMPOTENCY_MISMATCH" and reused["field"] == "key", reused

        # The admin pemda of 35.08 may too (through the gateway, as their NIP)
        mine = ok(create(gateway, "t2", name="ekinerja", **{"as": admin}), "admin creates")
        assert mine["expires_at"] == 0 and TOKEN.match(mine["token"]), mine

        # Nobody else: a BKD officer, an employee, another pemda's admin, Kemendagri,
        # an integrator account (its own key, or the gateway acting for it)
        system.issue_key("integrator", "simpeg", pemda="35.08")
        integrator = system.client(identity=key_path(system.keys, "integrator", "simpeg", "35.08"))
        denied = [
            gateway.call("TOKEN.CREATE", {"key": "d1", "pemda": "35.08", "role": "integrator",
                                          "name": "x", "as": a.bkd["nip"]}),
            gateway.call("TOKEN.CREATE", {"key": "d2", "pemda": "35.08", "role": "integrator",
                                          "name": "x", "as": a.staff[0]["nip"]}),
            gateway.call("TOKEN.CREATE", {"key": "d3", "pemda": "35.08", "role": "integrator",
                                          "name": "x", "as": other_admin}),
            gateway.call("TOKEN.CREATE", {"key": "d4", "pemda": "35.08", "role": "integrator",
                                          "name": "x", "as": KEMENDAGRI}),
            create(integrator, "d5"),
            gateway.call("TOKEN.CREATE", {"key": "d6", "pemda": "35.08", "role": "integrator",
                                          "name": "x", "as": "integrator:35.08:simpeg"}),
            gateway.call("TOKEN.LIST", {"pemda": "35.08", "as": other_admin}),
            gateway.call("TOKEN.LIST", {"pemda": "35.08", "as": a.bkd["nip"]}),
            gateway.call("TOKEN.REVOKE", {"key": "d7", "pemda": "35.08", "token_id": made["token_id"],
                                          "as": other_admin}),
        ]
        assert [r["code"] for r in denied] == ["FORBIDDEN"] * len(denied), denied
        assert len(system.redis("ZRANGE", "wfa:{35.08}:tokens", 0, -1).split()) == 2

        # Bad fields, each named
        bad = create(op, "b1", name="Bad Name", role="admin_pemda", expires_days=0)
        assert bad["code"] == "BAD_VALUE" and {e["field"] for e in bad["errors"]} == \
            {"name", "role", "expires_days"}, bad
        assert create(op, "b2", pemda="")["code"] == "MISSING_FIELD"

        # The list: oldest first, paged, never a secret or a hash
        page = ok(gateway.call("TOKEN.LIST", {"limit": 1, "as": admin}))
        assert [t["token_id"] for t in page["tokens"]] == [made["token_id"]] and page["next_cursor"], page
        rest = ok(gateway.call("TOKEN.LIST", {"limit": 1, "cursor": page["next_cursor"], "as": admin}))
        assert [t["token_id"] for t in rest["tokens"]] == [mine["token_id"]] and rest["next_cursor"] == ""
        listed = ok(op.call("TOKEN.LIST", {"pemda": "35.08"}))["tokens"]
        assert [t["token_id"] for t in listed] == [made["token_id"], mine["token_id"]]
        assert set(listed[0]) == {"token_id", "name", "role", "created_at", "created_by",
                                  "expires_at", "revoked_at"}, listed[0]
        assert listed[0]["created_by"] == "operator" and listed[1]["created_by"] == admin
        assert op.call("TOKEN.LIST", {})["code"] == "MISSING_FIELD"     # the operator names one
        assert ok(op.call("TOKEN.LIST", {"pemda": "35.09"}))["tokens"] == []
        assert op.call("TOKEN.LIST", {"pemda": "35.08", "cursor": "x"})["code"] == "BAD_VALUE"

        # Revoked at once, and once; an unknown id is NOT_FOUND
        revoked = ok(gateway.call("TOKEN.REVOKE", {"key": "r1", "pemda": "35.08",
                                                   "token_id": made["token_id"], "as": admin}))
        assert revoked["token_id"] == made["token_id"] and revoked["revoked_at"] > 0
        twice = ok(op.call("TOKEN.REVOKE", {"key": "r2", "pemda": "35.08", "token_id": made["token_id"]}))
        assert twice["revoked_at"] == revoked["revoked_at"]
        assert op.call("TOKEN.REVOKE", {"key": "r2", "pemda": "35.08",
                                        "token_id": mine["token_id"]})["code"] == "IDEMPOTENCY_MISMATCH"
        listed = ok(op.call("TOKEN.LIST", {"pemda": "35.08"}))["tokens"]
        assert listed[0]["revoked_at"] == revoked["revoked_at"] and listed[1]["revoked_at"] == 0
        assert op.call("TOKEN.REVOKE", {"key": "r3", "pemda": "35.08",
                                        "token_id": "0" * 16})["code"] == "NOT_FOUND"
        assert op.call("TOKEN.REVOKE", {"key": "r4", "pemda": "35.08",
                                        "token_id": "nothex"})["code"] == "BAD_VALUE"

        # Audited like the other admin actions: who, as what, which token
        log = system.redis("LRANGE", "wfa:{35.08}:audit", 0, -1)
        assert log.count("token_create") == 2 and log.count("token_revoke") == 1, log
        assert "token %s integrator:35.08:simpeg.sync" % made["token_id"] in log
        assert ok(gateway.call("AUDIT.VERIFY", {"pemda": "35.08", "as": admin}))["valid"]


def test_the_gateway_acts_as_an_integrator_account_and_nobody_else_may():
    with System(verbose=False) as system:
        a, b = two_pemdas(system)
        system.issue_key("integrator", "simpeg", pemda="35.08")
        own = system.client(identity=key_path(system.keys, "integrator", "simpeg", "35.08"), reader=None)
        gateway = system.client(reader=None)
        as_account = {"as": "integrator:35.08:simpeg"}
        mine, theirs = a.staff[0]["nip"], b.staff[0]["nip"]
        # The same answers as with the account's own key: its pemda's people, not another's
        for client, extra in ((own, {}), (gateway, as_account)):
            got = ok(client.call("EMPLOYEE.GET", dict(extra, nip=mine)))
            assert got["employee"]["nip"] == mine
            # (out of reach reads as on record nowhere: no oracle)
            assert client.call("EMPLOYEE.GET", dict(extra, nip=theirs))["code"] == "NOT_FOUND"
            assert ok(client.call("REQUEST.LIST", dict(extra, pemda="35.08")))
            assert client.call("REQUEST.LIST", dict(extra, pemda="35.09"))["code"] == "FORBIDDEN"
            # An integrator imports its pemda's people, no other's; it is no person
            row = dict(a.staff[0], name="Nama Baru")
            assert ok(client.call("EMPLOYEE.IMPORT", dict(extra, key="i-%d" % id(client), rows=[row])))
            far = dict(b.staff[0], name="Nama Lain")
            assert client.call("EMPLOYEE.IMPORT", dict(extra, key="j-%d" % id(client), rows=[far]))["code"] \
                == "FORBIDDEN"
            assert client.call("REQUEST.SUBMIT", dict(extra, key="s", kind="rumah", dates=["2026-12-14"],
                                                      location="x", reason="y"))["code"] == "FORBIDDEN"
        # Any other principal naming an integrator in "as": FORBIDDEN, field as
        system.issue_keys([mine])
        person = system.client(identity=key_path(system.keys, "nip", mine), reader=None)
        for client in (operator(system), person, own):
            reply = client.call("EMPLOYEE.GET", dict(as_account, nip=mine))
            assert reply["code"] == "FORBIDDEN" and reply["field"] == "as", reply
        # A malformed account name stays the gateway's: no integrator at all
        assert gateway.call("EMPLOYEE.GET", {"as": "integrator:35.08:Bad Name", "nip": mine})["code"] \
            in ("BAD_NIP", "BAD_VALUE")
        assert gateway.call("EMPLOYEE.GET", {"as": "integrator:99.99:simpeg", "nip": mine})["code"] \
            in ("BAD_NIP", "BAD_VALUE")


def jwks_text():
    """A JWKS of a fresh RSA key, as an identity provider would publish it."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    return json.dumps({"keys": [jwk]})


def test_identity_provider_set_and_read_by_who_may():
    with System(verbose=False) as system:
        a, b = two_pemdas(system)
        op, gateway = operator(system), system.client()
        admin, other_admin = a.sekda["nip"], b.sekda["nip"]
        keys = jwks_text()
        body = {"key": "i1", "pemda": "35.08", "issuer": ISSUER, "audience": "fleksi", "jwks": keys}
        got = ok(gateway.call("IDP.SET", dict(body, **{"as": admin})))
        assert got["issuer"] == ISSUER and got["pemda"] == "35.08" and got["updated_at"] > 0
        read = ok(op.call("IDP.GET", {"pemda": "35.08"}))
        assert (read["issuer"], read["audience"], read["nip_claim"], read["jwks"], read["jwks_uri"],
                read["updated_by"]) == (ISSUER, "fleksi", "nip", keys, "", admin), read
        # The index the gateway finds the pemda by
        index = "wfa:idp:" + hashlib.sha256(ISSUER.encode()).hexdigest()
        assert system.redis("GET", index).strip() == "35.08"
        # One issuer, one pemda: 35.09 cannot take it
        assert gateway.call("IDP.SET", dict(body, audience="other", **{"as": admin}))["code"] \
            == "IDEMPOTENCY_MISMATCH"
        taken = op.call("IDP.SET", dict(body, key="i2", pemda="35.09"))
        assert taken["code"] == "BAD_STATE" and taken["field"] == "issuer", taken
        # ...not even past the service's own look at the index (two pemda setting one issuer
        # at once both pass it): the step claims the index in the write itself
        assert idp_step(system, "35.09", ISSUER) == ["err", "BAD_STATE", "issuer: another pemda's",
                                                      "issuer"]
        assert system.redis("GET", index).strip() == "35.08"
        assert system.redis("EXISTS", "wfa:{35.09}:idp").strip() == "0"
        # Who may: not a BKD officer, not another pemda's admin, not Kemendagri
        for who in (a.bkd["nip"], other_admin, KEMENDAGRI):
            assert gateway.call("IDP.SET", dict(body, key="i3" + who, **{"as": who}))["code"] == "FORBIDDEN"
            assert gateway.call("IDP.GET", {"pemda": "35.08", "as": who})["code"] == "FORBIDDEN"
        # Bad settings: a JWKS with no usable key, neither keys nor uri, an odd claim name
        bad = op.call("IDP.SET", dict(body, key="i4", jwks='{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'))
        assert bad["code"] == "BAD_VALUE" and bad["field"] == "jwks", bad
        nothing = {k: v for k, v in body.items() if k != "jwks"}
        assert op.call("IDP.SET", dict(nothing, key="i5"))["code"] == "MISSING_FIELD"
        assert op.call("IDP.SET", dict(body, key="i6", nip_claim="a b"))["code"] == "BAD_VALUE"
        assert op.call("IDP.SET", dict(nothing, key="i7", jwks_uri="file:///etc/passwd"))["code"] == "BAD_VALUE"
        # Plain http is refused (keys fetched in the clear could be anyone's), loopback too
        # unless the test option is set
        for plain in ("http://sso.lumajangkab.go.id/certs", "http://127.0.0.1:9/certs"):
            bad = op.call("IDP.SET", dict(nothing, key="i7-" + plain[-10:], jwks_uri=plain))
            assert bad["code"] == "BAD_VALUE" and bad["field"] == "jwks_uri", bad
        # A new issuer for 35.08 frees the old one, which 35.09 may then take
        moved = "https://sso.lumajangkab.go.id/realms/pegawai"
        ok(op.call("IDP.SET", dict(nothing, key="i8", issuer=moved, nip_claim="employee_nip",
                                   jwks_uri="https://sso.lumajangkab.go.id/certs")))
        assert system.redis("GET", index).strip() == ""
        ok(op.call("IDP.SET", dict(body, key="i9", pemda="35.09")))
        assert op.call("IDP.GET", {"pemda": "35.01"})["code"] == "NOT_FOUND"
        log = system.redis("LRANGE", "wfa:{35.08}:audit", 0, -1)
        assert log.count("idp_set") == 2 and "issuer " + moved in log, log


def idp_step(system, pemda, issuer):
    """The idp_set Lua step run directly as admin for pemda, as the operator, no check in C
    before it: its reply lines."""
    args = msgpack.packb({"pemda": pemda, "issuer": issuer, "audience": "fleksi", "nip_claim": "nip",
                          "jwks": jwks_text(), "jwks_uri": "", "now": str(int(time.time() * 1000)),
                          "as": "operator", "operator": "1", "ttl": "600", "fp": "0" * 16})
    keys = ["wfa:{%s}:" % pemda, "wfa:{%s}:idem:idp:operator:direct-%s" % (pemda, time.time()),
            "wfa:{%s}:idp" % pemda, "wfa:idp:" + hashlib.sha256(issuer.encode()).hexdigest()]
    env = dict(os.environ, REDISCLI_AUTH=system.redis_password("admin"))
    argv = ["redis-cli", "-p", str(system.redis_port), "--user", "admin", "FCALL", "idp_set",
            str(len(keys))] + keys
    out = subprocess.run([a.encode() for a in argv] + [args], capture_output=True, timeout=10, env=env)
    return out.stdout.decode().splitlines()


def wfactl(system, *args, check=True):
    out = subprocess.run([os.path.join(system.bin_dir, "wfactl")] + [str(a) for a in args],
                         capture_output=True, text=True, timeout=30, env=wfactl_env(system, args, WFA_AS=""))
    if check:
        assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out


def test_wfactl_token_and_idp_commands():
    with System(verbose=False) as system:
        a, b = two_pemdas(system)
        admin = a.sekda["nip"]
        # The operator's, printed once: the token alone on the first line
        out = wfactl(system, "token", "create", "--pemda", "35.08", "--role", "integrator",
                     "--name", "simpeg.sync", "--expires", "90")
        first = out.stdout.splitlines()[0]
        assert TOKEN.match(first), out.stdout
        assert "Shown this once" in out.stdout and "integrator:35.08:simpeg.sync" in out.stdout
        # --json: the token and its id
        made = json.loads(wfactl(system, "--json", "token", "create", "--pemda", "35.08", "--role",
                                 "integrator", "--name", "presensi", "--as", admin).stdout)
        assert TOKEN.match(made["token"]) and made["token_id"] == TOKEN.match(made["token"]).group(2), made
        # The list, by the admin pemda for their own pemda: no secret in it
        listed = wfactl(system, "token", "list", "--as", admin).stdout
        assert "simpeg.sync" in listed and "presensi" in listed and "2 token(s)" in listed, listed
        assert first.rsplit("_", 1)[1] not in listed and made["token"] not in listed
        # Revoked by id and pemda
        out = wfactl(system, "token", "revoke", made["token_id"], "--pemda", "35.08", "--as", admin)
        assert "revoked" in out.stdout, out.stdout
        assert "REVOKED" in wfactl(system, "token", "list", "--pemda", "35.08").stdout
        # Another pemda's admin may not
        refused = wfactl(system, "token", "create", "--pemda", "35.08", "--role", "integrator",
                         "--name", "x", "--as", b.sekda["nip"], check=False)
        assert refused.returncode == 1 and "FORBIDDEN" in refused.stderr, refused
        # The identity provider from a JWKS file, then read back
        path = os.path.join(system.tmp, "jwks.json")
        with open(path, "w") as f:
            f.write(jwks_text())
        out = wfactl(system, "idp", "set", "--pemda", "35.08", "--issuer", ISSUER, "--audience",
                     "fleksi", "--nip-claim", "nip_asn", "--jwks", path, "--as", admin)
        assert ISSUER in out.stdout, out.stdout
        shown = wfactl(system, "idp", "get", "--pemda", "35.08").stdout
        assert "issuer: " + ISSUER in shown and "nip_claim: nip_asn" in shown and '"kid":"k1"' in \
            shown.replace(" ", ""), shown
        both = wfactl(system, "idp", "set", "--pemda", "35.08", "--issuer", ISSUER, "--audience", "x",
                      check=False)
        assert both.returncode == 2 and "--jwks" in both.stderr, both


# ---------------------------------------------------------------- through the HTTP gateway

def refused(system, token, reason):
    """A GET with this credential is 401 UNAUTHENTICATED, its message naming reason."""
    status, headers, body = system.http("GET", "/v1/inbox", token=token)
    assert status == 401 and body["code"] == "UNAUTHENTICATED" and body.get("field") == "Authorization", \
        (reason, status, body)
    assert reason in body["message"], (reason, body)
    assert headers["www-authenticate"].startswith("Bearer"), headers


def sign(claims, key, kid, alg="RS256"):
    import jwt
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def test_a_jwt_signs_a_person_in_and_bad_ones_are_refused():
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from harness import IDP_AUDIENCE, clock_offset_ms, idp_issuer
    with System(verbose=False, gateway=True) as system:
        a, b = two_pemdas(system)
        nip = a.staff[0]["nip"]
        status, _, body = system.http("GET", "/v1/employees/" + nip, token=system.person_token(nip))
        assert status == 200 and body["employee"]["nip"] == nip, (status, body)
        key, kid = system._identity_provider("35.08")
        now = int(time.time() + clock_offset_ms() / 1000)
        good = {"iss": idp_issuer("35.08"), "aud": IDP_AUDIENCE, "sub": "u-1", "nip": nip,
                "iat": now, "exp": now + 600}
        assert system.http("GET", "/v1/inbox", token=sign(good, key, kid))[0] == 200
        assert system.http("GET", "/v1/inbox", token=sign(dict(good, aud=["account", IDP_AUDIENCE]),
                                                          key, kid))[0] == 200
        # Signed by another key under the provider's kid; a signature changed
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        refused(system, sign(good, stranger, kid), "bad signature")
        token = sign(good, key, kid)
        refused(system, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), "bad signature")
        # Another issuer; one that is another pemda's; another audience
        refused(system, sign(dict(good, iss="https://sso.evil.example/"), key, kid), "unknown issuer")
        system._identity_provider("35.09")
        refused(system, sign(dict(good, iss=idp_issuer("35.09")), key, kid), "unknown kid")
        refused(system, sign(dict(good, aud="another-app"), key, kid), "wrong audience")
        # Expired (beyond the minute of leeway), not yet valid, and no exp at all
        refused(system, sign(dict(good, exp=now - 120), key, kid), "expired")
        refused(system, system.person_token(nip, lifetime=-600), "expired")
        refused(system, sign(dict(good, nbf=now + 600), key, kid), "not yet valid")
        refused(system, sign({k: v for k, v in good.items() if k != "exp"}, key, kid), "malformed")
        # alg none, and HS256 keyed with the public JWK's text
        unsigned = jwt.encode(good, None, algorithm="none", headers={"kid": kid})
        refused(system, unsigned, "malformed" if unsigned.endswith(".") else "alg")
        parts = [jwt.utils.base64url_encode(json.dumps(p).encode()).decode()
                 for p in ({"alg": "none", "kid": kid}, good)]
        refused(system, "%s.%s.AA" % tuple(parts), "alg not allowed")
        public = json.dumps(json.loads(ok(operator(system).call("IDP.GET", {"pemda": "35.08"}))["jwks"]))
        import hmac, hashlib as h
        head = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": kid}).encode()).decode()
        mac = jwt.utils.base64url_encode(hmac.new(public.encode(), ("%s.%s" % (head, parts[1])).encode(),
                                                  h.sha256).digest()).decode()
        refused(system, "%s.%s.%s" % (head, parts[1], mac), "alg not allowed")
        # A NIP of another pemda, a NIP nobody has, no NIP claim
        refused(system, sign(dict(good, nip=b.staff[0]["nip"]), key, kid), "nip not of this pemda")
        refused(system, sign(dict(good, nip=a.unknown_nip()), key, kid), "nip not of this pemda")
        refused(system, sign({k: v for k, v in good.items() if k != "nip"}, key, kid), "no valid nip")


def test_keys_from_a_jwks_uri_fetched_again_for_a_new_kid_at_most_once_a_minute():
    import http.server
    import threading
    from cryptography.hazmat.primitives.asymmetric import ec
    import jwt
    from harness import clock_offset_ms, spare_port
    served = {"jwks": "{}", "fetches": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            served["fetches"] += 1
            data = served["jwks"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    port = spare_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def jwks(*pairs):
        keys = []
        for key, kid in pairs:
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
            jwk.update(kid=kid, use="sig", alg="ES256")
            keys.append(jwk)
        return json.dumps({"keys": keys})

    try:
        with System(verbose=False, gateway=True,
                    extra_env={"WFA_IDP_ALLOW_HTTP_LOOPBACK": "1"}) as system:
            a, _ = two_pemdas(system)
            first, second = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
            served["jwks"] = jwks((first, "k1"))
            issuer = "https://sso.lumajangkab.go.id/realms/uri"
            ok(operator(system).call("IDP.SET", {"key": "u1", "pemda": "35.08", "issuer": issuer,
                                                 "audience": "fleksi", "nip_claim": "nip_asn",
                                                 "jwks_uri": "http://127.0.0.1:%d/certs" % port}))
            now = int(time.time() + clock_offset_ms() / 1000)
            claims = {"iss": issuer, "aud": "fleksi", "sub": "x", "nip_asn": a.staff[0]["nip"],
                      "exp": now + 600}
            for _ in range(3):
                assert system.http("GET", "/v1/inbox", token=sign(claims, first, "k1", "ES256"))[0] == 200
            assert served["fetches"] == 1, served       # fetched once, then cached
            # The provider rotates to k2: a token with k2 was fetched for within the minute,
            # so it waits; a burst of unknown kids fetches nothing more
            served["jwks"] = jwks((first, "k1"), (second, "k2"))
            for made_up in ("k2", "k3", "k4"):
                refused(system, sign(claims, second, made_up, "ES256"), "unknown kid")
            assert served["fetches"] == 1, served
            # A new IDP.SET starts anew: k2 is fetched at once; k1 still signs in
            ok(operator(system).call("IDP.SET", {"key": "u2", "pemda": "35.08", "issuer": issuer,
                                                 "audience": "fleksi", "nip_claim": "nip_asn",
                                                 "jwks_uri": "http://127.0.0.1:%d/certs" % port}))
            assert system.http("GET", "/v1/inbox", token=sign(claims, second, "k2", "ES256"))[0] == 200
            assert system.http("GET", "/v1/inbox", token=sign(claims, first, "k1", "ES256"))[0] == 200
            assert served["fetches"] == 2, served
    finally:
        server.shutdown()


def test_api_tokens_at_the_gateway_expired_and_revoked_refused():
    with System(verbose=False, gateway=True) as system:
        a, b = two_pemdas(system)
        token = system.integrator_token("35.08", "simpeg.sync")
        mine, theirs = a.staff[0]["nip"], b.staff[0]["nip"]
        # The integrator of 35.08: its pemda's people, not another's
        status, _, body = system.http("GET", "/v1/employees/" + mine, token=token)
        assert status == 200 and body["employee"]["nip"] == mine, (status, body)
        assert system.http("GET", "/v1/employees/" + theirs, token=token)[0] in (403, 404)
        # A wrong secret, another pemda in it, an id nobody has
        m = TOKEN.match(token)
        refused(system, token[:-1] + ("0" if token[-1] != "0" else "1"), "unknown token")
        refused(system, "fleksi_35.09_%s_%s" % (m.group(2), m.group(3)), "unknown token")
        refused(system, "fleksi_35.08_%s_%s" % ("0" * 16, m.group(3)), "unknown token")
        refused(system, "fleksi_35.08_short", "malformed")
        # Expired: its record says so (as it will, expires_days after it was made)
        other = system.integrator_token("35.08", "presensi")
        other_id = TOKEN.match(other).group(2)
        assert system.http("GET", "/v1/inbox", token=other)[0] != 401
        system.redis("HSET", "wfa:{35.08}:token:" + other_id, "expires_at", "1000")
        refused(system, other, "expired")
        # Revoked: refused at the next request
        ok(operator(system).call("TOKEN.REVOKE", {"key": "r", "pemda": "35.08", "token_id": m.group(2)}))
        refused(system, token, "revoked")
