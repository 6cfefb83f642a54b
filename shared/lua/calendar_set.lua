-- calendar_set.lua: replace a pemda's calendar of days off, and audit it.
-- KEYS[1]  key prefix of the pemda
-- ARGV     actor (NIP), now_ms, idem_key, idem_ttl, then date, kind, name triples
-- Returns  the number of days stored, or {"err", "FORBIDDEN", detail} unless
--          the actor is an admin pemda or bkd officer of this pemda
local p = KEYS[1]
local actor, now, key, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local idem = p .. 'idem:calendar:' .. actor .. ':' .. key
local previous = redis.call('GET', idem)
if previous then return tonumber(previous) end
local role = wfa_holds(p, actor, {'admin_pemda', 'bkd'})
if not role then return {'err', 'FORBIDDEN', 'admin_pemda or bkd of this pemda'} end
redis.call('DEL', p .. 'calendar')
local days = 0
for i = 5, #ARGV - 2, 3 do
    redis.call('HSET', p .. 'calendar', ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2])
    days = days + 1
end
wfa_audit(p, tonumber(now), '', actor, role, '', 'calendar_set', '', '',
          days .. ' days off', '0')
redis.call('SET', idem, days, 'EX', ttl)
return days
