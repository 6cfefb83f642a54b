#!lua
-- calendar_set.lua: replace a pemda's calendar (days off and Ramadan days),
-- and audit it.
-- KEYS[1]  key prefix of the pemda
-- ARGV     actor (NIP), now_ms, idem_key, idem_ttl, then date, kind, name
--          triples (kind ramadan: a Ramadan day, one triple per day)
-- Returns  {days off stored, Ramadan days stored}, or {"err", "FORBIDDEN", detail} unless
--          the actor is an admin pemda or bkd officer of this pemda
local p = KEYS[1]
local actor, now, key, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local idem = p .. 'idem:calendar:' .. actor .. ':' .. key
local previous = redis.call('GET', idem)
if previous then
    local days, ramadan = string.match(previous, '^(%d+)|?(%d*)$')
    return {tonumber(days) or 0, tonumber(ramadan) or 0}
end
local role = wfa_holds(p, actor, {'admin_pemda', 'bkd'})
if not role then return {'err', 'FORBIDDEN', 'admin_pemda or bkd of this pemda'} end
redis.call('DEL', p .. 'calendar', p .. 'ramadan')
-- Days off in calendar, Ramadan days (working days at the Ramadan hours)
-- in ramadan: a day may be both (cuti bersama before Idul Fitri)
local days, ramadan = 0, 0
for i = 5, #ARGV - 2, 3 do
    if ARGV[i + 1] == 'ramadan' then
        redis.call('HSET', p .. 'ramadan', ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2])
        ramadan = ramadan + 1
    else
        redis.call('HSET', p .. 'calendar', ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2])
        days = days + 1
    end
end
local summary = days .. ' days off'
if ramadan > 0 then summary = summary .. ', ' .. ramadan .. ' Ramadan days' end
wfa_audit(p, tonumber(now), '', actor, role, '', 'calendar_set', '', '', summary, '0')
redis.call('SET', idem, days .. '|' .. ramadan, 'EX', ttl)
return {days, ramadan}
