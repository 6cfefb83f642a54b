#!lua
-- leave.lua: remove an employee from a pemda (they moved to another one).
-- KEYS[1]  key prefix of the pemda being left
-- ARGV     nip
-- Returns  1 if a record was removed, 0 if there was none
local p = KEYS[1]
local nip = ARGV[1]
local ekey = p .. 'emp:' .. nip
local old = wfa_hmget(ekey, 'opd', 'roles', 'unit')
local opd = old.opd
if not opd then return 0 end
redis.call('SREM', p .. 'opd:' .. opd, nip)
if (old.unit or '') ~= '' then redis.call('SREM', p .. 'unit:' .. opd .. ':' .. old.unit, nip) end
for role in string.gmatch(old.roles or '', '[^;]+') do
    redis.call('SREM', p .. 'role:' .. role, nip)
    redis.call('SREM', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
redis.call('DEL', ekey)
return 1
