#!lua
-- token_create.lua: store a new API token of a pemda (its secret's hash
-- only), and audit it.
-- KEYS     the pemda's prefix, the idempotency key (idem:token:AS:KEY), the
--          token's record (token:ID), the pemda's tokens (tokens, a sorted
--          set by creation time)
-- ARGV[1]  a msgpack map: id (the token id), name (the account), role
--          (integrator), hash (hex SHA-256 of the secret), now (ms),
--          expires_at (ms, 0: never), as (the admin pemda's NIP, or
--          "operator"), operator ("1" for the operator's key), ttl (of the
--          idempotency key, s)
--          and fp (the call's fingerprint, kept with the answer)
-- Returns  {"ok"|"dup", token id} | {"err", "FORBIDDEN", detail} unless the
--          actor is the operator or an admin pemda of this pemda
local p, idem, record, tokens = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local role = wfa_credentials_manager(p, a)
if not role then return {'err', 'FORBIDDEN', 'admin_pemda of this pemda, or the operator'} end
if redis.call('EXISTS', record) == 1 then return {'err', 'INTERNAL', 'token id taken'} end
redis.call('HSET', record, 'name', a.name, 'role', a.role, 'hash', a.hash, 'created_at', a.now,
           'created_by', a.as, 'expires_at', a.expires_at, 'revoked_at', '0')
redis.call('ZADD', tokens, tonumber(a.now), a.id)
wfa_audit(p, tonumber(a.now), '', a.as, role, '', 'token_create', '', '',
          'token ' .. a.id .. ' integrator:' .. string.match(p, '{(.*)}') .. ':' .. a.name, '')
wfa_idem_set(idem, a.fp, a.id, a.ttl)
return {'ok', a.id}
