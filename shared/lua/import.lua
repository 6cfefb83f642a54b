#!lua
-- import.lua: create or update one employee of a pemda.
-- KEYS[1]  key prefix of the pemda
-- ARGV     nip, name, pemda, opd, position, supervisor_nip, roles, then
--          name/value pairs of optional fields given (service_start,
--          sanctions, predikat, position_eligible, field_based, home, unit,
--          working_days, ...); optional fields not given keep their stored values
-- Returns  1 if created, 0 if updated
local p = KEYS[1]
local nip, opd = ARGV[1], ARGV[4]
local ekey = p .. 'emp:' .. nip
local old = wfa_hmget(ekey, 'opd', 'roles', 'unit')
local old_opd = old.opd
if old_opd and old_opd ~= opd then redis.call('SREM', p .. 'opd:' .. old_opd, nip) end
-- Sub-units: the people of each unit of an OPD (unit capacity, decide.lua)
if (old.unit or '') ~= '' then redis.call('SREM', p .. 'unit:' .. old_opd .. ':' .. old.unit, nip) end
-- Role indexes: who holds a role in the pemda, and in each OPD
for role in string.gmatch(old.roles or '', '[^;]+') do
    redis.call('SREM', p .. 'role:' .. role, nip)
    redis.call('SREM', p .. 'role:' .. role .. ':opd:' .. (old_opd or ''), nip)
end
for role in string.gmatch(ARGV[7], '[^;]+') do
    redis.call('SADD', p .. 'role:' .. role, nip)
    redis.call('SADD', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
redis.call('HSET', ekey, 'nip', nip, 'name', ARGV[2], 'pemda', ARGV[3], 'opd', opd,
    'position', ARGV[5], 'supervisor_nip', ARGV[6], 'roles', ARGV[7])
for i = 8, #ARGV - 1, 2 do redis.call('HSET', ekey, ARGV[i], ARGV[i + 1]) end
redis.call('SADD', p .. 'opd:' .. opd, nip)
redis.call('SADD', p .. 'opds', opd)
local unit = redis.call('HGET', ekey, 'unit') or ''
if unit ~= '' then redis.call('SADD', p .. 'unit:' .. opd .. ':' .. unit, nip) end
if old_opd then return 0 end
return 1
