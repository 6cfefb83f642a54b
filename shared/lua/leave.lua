#!lua
-- leave.lua: remove an employee from a pemda (they moved to another one).
-- KEYS     the prefix of the pemda being left, the employee (emp:NIP)
-- ARGV[1]  a msgpack map: nip
-- Returns  {"ok", "1"} if a record was removed, {"ok", "0"} if there was none
local p, ekey = KEYS[1], KEYS[2]
local nip = cmsgpack.unpack(ARGV[1]).nip
local old = wfa_hmget(ekey, 'opd', 'roles', 'unit')
local opd = old.opd
if not opd then return {'ok', '0'} end
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
