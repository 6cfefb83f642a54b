#!lua
-- audit_seal.lua: one step of the audit sealer (wfa_audit.c) on a pemda: hold
-- the pemda's sealing lease, append the seals computed since the last step
-- if nobody sealed in between, and hand out the next entries to seal. The
-- key never comes here: the seals are computed in C.
-- KEYS[1]  key prefix of the pemda
-- ARGV     instance (the lease holder), lease_ms, count (entries to hand out),
--          sealed (how many entries the new seals follow; '' when none), seals...
-- Returns  {'busy'} while another instance holds the lease;
--          {'moved', sealed} when the seals do not follow (nothing written);
--          {'ok', sealed, the last seal or '', the last sealed entry or '',
--           the next entries...}
local p = KEYS[1]
local lease = p .. 'audit:lease'
local holder = redis.call('GET', lease)
if holder and holder ~= ARGV[1] then return {'busy'} end
redis.call('SET', lease, ARGV[1], 'PX', ARGV[2])
local seals = p .. 'audit:mac'
local sealed = redis.call('LLEN', seals)
if ARGV[4] ~= '' then
    if sealed ~= tonumber(ARGV[4]) then return {'moved', sealed} end
    if #ARGV > 4 then redis.call('RPUSH', seals, unpack(ARGV, 5)) end
    sealed = sealed + #ARGV - 4
end
local out = {'ok', sealed, redis.call('LINDEX', seals, -1) or '',
             sealed > 0 and redis.call('LINDEX', p .. 'audit', sealed - 1) or ''}
for _, entry in ipairs(redis.call('LRANGE', p .. 'audit', sealed, sealed + tonumber(ARGV[3]) - 1)) do
    out[#out + 1] = entry
end
return out
