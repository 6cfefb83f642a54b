#!lua
-- policy_set.lua: store a new version of a pemda's policy, and audit it.
-- KEYS     the pemda's prefix, the idempotency key (idem:policy:AS:KEY), the
--          policy's sequence (policy:seq), current version (policy:current)
--          and time zone (policy:tz)
-- ARGV[1]  a msgpack map: text (the canonical policy text), as (NIP), now
--          (ms), ttl (of the idempotency key, s), tz (the policy's time
--          zone, minutes east of UTC, which every service reads to judge the
--          pemda's local day)
-- Returns  {"ok"|"dup", version} | {"err", "FORBIDDEN", detail} unless the
--          actor is a bkd officer or admin pemda of this pemda
local p, idem, seq, current, tz = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local role = wfa_holds(p, a.as, {'bkd', 'admin_pemda'})
if not role then return {'err', 'FORBIDDEN', 'bkd or admin_pemda of this pemda'} end
local version = redis.call('INCR', seq)
redis.call('SET', p .. 'policy:v' .. version, a.text)
redis.call('SET', current, version)
if a.tz then redis.call('SET', tz, a.tz) end
wfa_audit(p, tonumber(a.now), '', a.as, role, '', 'policy_set', '', '',
          'version ' .. version, tostring(version))
wfa_idem_set(idem, a.fp, version, a.ttl)
return {'ok', tostring(version)}
