#!lua
-- idp_set.lua: replace a pemda's OpenID Connect identity provider, and
-- audit it.
-- KEYS     the pemda's prefix, the idempotency key (idem:idp:AS:KEY), the
--          provider's record (idp), the issuer's index (wfa:idp:SHA256 of the
--          issuer: which pemda it signs in for, global). The index is claimed
--          here, in the step that writes the record, so two pemda setting one
--          issuer at once cannot both have it. On Redis Cluster a step whose
--          keys are in two slots is refused (CROSSSLOT): issue 13 moves the
--          claim out (SET NX the index first) when Fleksi runs on a cluster.
-- ARGV[1]  a msgpack map: pemda, issuer, audience, nip_claim, jwks (JSON text or
--          ""), jwks_uri (or ""), now (ms), as (the admin pemda's NIP, or
--          "operator"), operator ("1" for the operator's key), ttl (of the
--          idempotency key, s)
--          and fp (the call's fingerprint, kept with the answer)
-- Returns  {"ok"|"dup", updated_at, the issuer it replaced ("" if none)} |
--          {"err", "FORBIDDEN", detail} | {"err", "BAD_STATE", detail, "issuer"}
--          (the issuer is another pemda's)
local p, idem, record, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous, ''} end
local role = wfa_credentials_manager(p, a)
if not role then return {'err', 'FORBIDDEN', 'admin_pemda of this pemda, or the operator'} end
local owner = redis.call('GET', index)
if owner and owner ~= a.pemda then return {'err', 'BAD_STATE', "issuer: another pemda's", 'issuer'} end
local replaced = redis.call('HGET', record, 'issuer') or ''
redis.call('DEL', record)
redis.call('HSET', record, 'issuer', a.issuer, 'audience', a.audience, 'nip_claim', a.nip_claim,
           'jwks', a.jwks, 'jwks_uri', a.jwks_uri, 'updated_at', a.now, 'updated_by', a.as)
redis.call('SET', index, a.pemda)
wfa_audit(p, tonumber(a.now), '', a.as, role, '', 'idp_set', '', '', 'issuer ' .. a.issuer, '')
wfa_idem_set(idem, a.fp, a.now, a.ttl)
return {'ok', a.now, replaced}
