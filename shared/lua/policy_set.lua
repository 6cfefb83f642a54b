#!lua
-- policy_set.lua: store a new version of a pemda's policy, and audit it.
-- KEYS[1]  key prefix of the pemda
-- ARGV     canonical policy text, actor (NIP), now_ms, idem_key, idem_ttl,
--          the policy's time zone (minutes east of UTC: policy:tz, which
--          every service reads to judge the pemda's local day)
-- Returns  the new version number, or {"err", "FORBIDDEN", detail} unless
--          the actor is a bkd officer or admin pemda of this pemda
local p = KEYS[1]
local text, actor, now, key, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local idem = p .. 'idem:policy:' .. actor .. ':' .. key
local previous = redis.call('GET', idem)
if previous then return tonumber(previous) end
local role = wfa_holds(p, actor, {'bkd', 'admin_pemda'})
if not role then return {'err', 'FORBIDDEN', 'bkd or admin_pemda of this pemda'} end
local version = redis.call('INCR', p .. 'policy:seq')
redis.call('SET', p .. 'policy:v' .. version, text)
redis.call('SET', p .. 'policy:current', version)
if ARGV[6] then redis.call('SET', p .. 'policy:tz', ARGV[6]) end
wfa_audit(p, tonumber(now), '', actor, role, '', 'policy_set', '', '',
          'version ' .. version, tostring(version))
redis.call('SET', idem, version, 'EX', ttl)
return version
