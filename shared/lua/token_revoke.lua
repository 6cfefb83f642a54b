#!lua
-- token_revoke.lua: an API token stops working, and the revocation is
-- audited (once: revoking again answers the first revocation's time).
-- KEYS     the pemda's prefix, the idempotency key (idem:token_revoke:AS:KEY),
--          the token's record (token:ID)
-- ARGV[1]  a msgpack map: id (the token id), now (ms), as (the admin pemda's
--          NIP, or "operator"), operator ("1" for the operator's key), ttl
--          (of the idempotency key, s)
--          and fp (the call's fingerprint, kept with the answer)
-- Returns  {"ok"|"dup", revoked_at} | {"err", "NOT_FOUND", id} |
--          {"err", "FORBIDDEN", detail}
local p, idem, record = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local role = wfa_credentials_manager(p, a)
if not role then return {'err', 'FORBIDDEN', 'admin_pemda of this pemda, or the operator'} end
local revoked = redis.call('HGET', record, 'revoked_at')
if not revoked then return {'err', 'NOT_FOUND', a.id} end
if revoked == '0' then
    revoked = a.now
    redis.call('HSET', record, 'revoked_at', revoked, 'revoked_by', a.as)
    wfa_audit(p, tonumber(a.now), '', a.as, role, '', 'token_revoke', '', '', 'token ' .. a.id, '')
end
wfa_idem_set(idem, a.fp, revoked, a.ttl)
return {'ok', revoked}
