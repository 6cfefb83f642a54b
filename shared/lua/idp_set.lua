#!lua
-- idp_set.lua: replace a pemda's OpenID Connect identity provider, and
-- audit it.
-- KEYS     the pemda's prefix, the idempotency key (idem:idp:AS:KEY), the
--          provider's record (idp)
-- ARGV[1]  a msgpack map: issuer, audience, nip_claim, jwks (JSON text or
--          ""), jwks_uri (or ""), now (ms), as (the admin pemda's NIP, or
--          "operator"), operator ("1" for the operator's key), ttl (of the
--          idempotency key, s)
--          and fp (the call's fingerprint, kept with the answer)
-- Returns  {"ok"|"dup", updated_at, the issuer it replaced ("" if none)} |
--          {"err", "FORBIDDEN", detail}
local p, idem, record = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous, ''} end
local role = 'operator'
if a.operator ~= '1' then
    role = wfa_holds(p, a.as, {'admin_pemda'})
    if not role then return {'err', 'FORBIDDEN', 'admin_pemda of this pemda, or the operator'} end
end
local replaced = redis.call('HGET', record, 'issuer') or ''
redis.call('DEL', record)
redis.call('HSET', record, 'issuer', a.issuer, 'audience', a.audience, 'nip_claim', a.nip_claim,
           'jwks', a.jwks, 'jwks_uri', a.jwks_uri, 'updated_at', a.now, 'updated_by', a.as)
wfa_audit(p, tonumber(a.now), '', a.as, role, '', 'idp_set', '', '', 'issuer ' .. a.issuer, '')
wfa_idem_set(idem, a.fp, a.now, a.ttl)
return {'ok', a.now, replaced}
