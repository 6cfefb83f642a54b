-- policy_set.lua: store a new version of a pemda's policy, and audit it.
-- KEYS[1]  key prefix of the pemda
-- ARGV     canonical policy text, actor (NIP or ""), now_ms
-- Returns  the new version number
local p = KEYS[1]
local text, actor, now = ARGV[1], ARGV[2], ARGV[3]
local version = redis.call('INCR', p .. 'policy:seq')
redis.call('SET', p .. 'policy:v' .. version, text)
redis.call('SET', p .. 'policy:current', version)
wfa_audit(p, tonumber(now), '', actor, 'bkd', '', 'policy_set', '', '',
          'version ' .. version, tostring(version))
return version
