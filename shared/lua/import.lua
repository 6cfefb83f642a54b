#!lua
-- import.lua: create or update one employee of a pemda.
-- KEYS     the pemda's prefix, the employee (emp:NIP), the people of the
--          employee's OPD (opd:OPD), the pemda's OPDs (opds)
-- ARGV[1]  a msgpack map: employee (a map of the fields given: nip, name,
--          pemda, opd, position, supervisor_nip and roles always; the
--          optional ones, such as service_start, sanctions, predikat,
--          position_eligible, field_based, home, unit, working_days, only
--          when given: those not given keep their stored values)
-- Returns  {"ok", "created"} | {"ok", "updated"}
local p, ekey, people, opds = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local e = cmsgpack.unpack(ARGV[1]).employee
local nip, opd = e.nip, e.opd
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
for role in string.gmatch(e.roles, '[^;]+') do
    redis.call('SADD', p .. 'role:' .. role, nip)
    redis.call('SADD', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
for name, value in pairs(e) do redis.call('HSET', ekey, name, value) end
redis.call('SADD', people, nip)
redis.call('SADD', opds, opd)
local unit = redis.call('HGET', ekey, 'unit') or ''
if unit ~= '' then redis.call('SADD', p .. 'unit:' .. opd .. ':' .. unit, nip) end
if old_opd then return {'ok', 'updated'} end
return {'ok', 'created'}
