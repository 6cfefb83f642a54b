#!lua
-- audit_seal.lua: one step of the audit sealer (wfa_audit.c) on a pemda: hold
-- the pemda's sealing lease, append the seals computed since the last step
-- if nobody sealed in between, and hand out the next entries to seal. The
-- key never comes here: the seals are computed in C.
-- KEYS     the pemda's prefix, its sealing lease (audit:lease), seals
--          (audit:mac) and log (audit)
-- ARGV[1]  a msgpack map: instance (the lease holder), lease_ms, count
--          (entries to hand out), sealed (how many entries the new seals
--          follow; absent when none), seals (an array)
-- Returns  the one reply shape of every step (lib/workflow.lua):
--          {'err', 'BUSY', holder} while another instance holds the lease;
--          {'err', 'MOVED', sealed} when the seals do not follow (nothing
--          written: another sealer was here);
--          {'ok', sealed, the last seal or '', the last sealed entry or '',
--           the next entries...}
local lease, seals, log = KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local holder = redis.call('GET', lease)
if holder and holder ~= a.instance then return {'err', 'BUSY', holder} end
redis.call('SET', lease, a.instance, 'PX', a.lease_ms)
local sealed = redis.call('LLEN', seals)
if a.sealed then
    local new = a.seals or {}
    if sealed ~= tonumber(a.sealed) then return {'err', 'MOVED', tostring(sealed)} end
    if #new > 0 then redis.call('RPUSH', seals, unpack(new)) end
    sealed = sealed + #new
end
local out = {'ok', sealed, redis.call('LINDEX', seals, -1) or '',
             sealed > 0 and redis.call('LINDEX', log, sealed - 1) or ''}
for _, entry in ipairs(redis.call('LRANGE', log, sealed, sealed + tonumber(a.count) - 1)) do
    out[#out + 1] = entry
end
return out
