#!lua
-- calendar_set.lua: replace a pemda's calendar (days off and Ramadan days),
-- and audit it.
-- KEYS     the pemda's prefix, the idempotency key (idem:calendar:AS:KEY),
--          the days off (calendar), the Ramadan days (ramadan)
-- ARGV[1]  a msgpack map: as (NIP), now (ms), ttl (of the idempotency key,
--          s), days (an array of {date, kind, name}; kind ramadan: a
--          Ramadan day, one entry per day)
-- Returns  {"ok"|"dup", days off stored, Ramadan days stored} |
--          {"err", "FORBIDDEN", detail} unless the actor is an admin pemda
--          or bkd officer of this pemda
local p, idem, calendar, ramadan_days = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then
    local days, ramadan = string.match(previous, '^(%d+)|?(%d*)$')
    return {'dup', days or '0', ramadan ~= '' and ramadan or '0'}
end
local role = wfa_holds(p, a.as, {'admin_pemda', 'bkd'})
if not role then return {'err', 'FORBIDDEN', 'admin_pemda or bkd of this pemda'} end
redis.call('DEL', calendar, ramadan_days)
-- Days off in calendar, Ramadan days (working days at the Ramadan hours)
-- in ramadan: a day may be both (cuti bersama before Idul Fitri)
local days, ramadan = 0, 0
for _, day in ipairs(a.days or {}) do
    local date, kind, name = day[1], day[2], day[3]
    if kind == 'ramadan' then
        redis.call('HSET', ramadan_days, date, kind .. '|' .. name)
        ramadan = ramadan + 1
    else
        redis.call('HSET', calendar, date, kind .. '|' .. name)
        days = days + 1
    end
end
local summary = days .. ' days off'
if ramadan > 0 then summary = summary .. ', ' .. ramadan .. ' Ramadan days' end
wfa_audit(p, tonumber(a.now), '', a.as, role, '', 'calendar_set', '', '', summary, '0')
wfa_idem_set(idem, a.fp, days .. '|' .. ramadan, a.ttl)
return {'ok', tostring(days), tostring(ramadan)}
