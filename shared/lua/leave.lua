#!lua
-- leave.lua: remove an employee from a pemda (they moved to another one).
-- As for a deactivation (deactivate.lua), from the move on: their requests
-- not decided yet are cancelled by the system, an approved one from its
-- first day after today (the days up to today stay, in the schedule too),
-- and the steps that awaited them go on without them. Their requests stay
-- in the pemda's records (REQUEST.LIST of their NIP by its wide readers).
-- KEYS     the prefix of the pemda being left, the employee (emp:NIP)
-- ARGV[1]  a msgpack map: nip, to (the pemda moved to), now (ms), today
--          (the local day of the pemda being left)
-- Returns  {"ok", "1"} if a record was removed, {"ok", "0"} if there was none
local p, ekey = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local nip, now = a.nip, tonumber(a.now)
local old = wfa_hmget(ekey, 'opd', 'roles', 'unit')
local opd = old.opd
if not opd then return {'ok', '0'} end
-- Gone from here: nobody's approver while the steps go on without them
redis.call('HSET', ekey, 'active', '0')
local why = 'employee moved to pemda ' .. (a.to or '')
local _, refused = wfa_end_requests(p, nip, '', a.today, now, why)
if refused then return refused end
_, refused = wfa_leave_steps(p, nip, now, 'moved away')
if refused then return refused end
redis.call('SREM', p .. 'opd:' .. opd, nip)
if (old.unit or '') ~= '' then redis.call('SREM', p .. 'unit:' .. opd .. ':' .. old.unit, nip) end
for role in string.gmatch(old.roles or '', '[^;]+') do
    redis.call('SREM', p .. 'role:' .. role, nip)
    redis.call('SREM', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
for _, list in ipairs({'emps', 'emps:active', 'emps:opd:' .. opd, 'emps:opd:' .. opd .. ':active'}) do
    redis.call('ZREM', p .. list, nip)
end
redis.call('DEL', ekey)
return {'ok', '1'}
