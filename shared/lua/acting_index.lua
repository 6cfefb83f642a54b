#!lua flags=allow-oom
-- acting_index.lua: the index APPROVAL.LIST reads for an approver: their
-- own, or, when others delegated to them for today (Plt/Plh), the union of
-- theirs and those, kept a minute.
-- KEYS     the pemda's prefix, the approver's index (idx:approver:NIP), who
--          delegated to them (delegated_to:NIP), their union
--          (idx:acting:NIP)
-- ARGV[1]  a msgpack map: nip, today (YYYY-MM-DD)
-- Returns  {"ok", the index key suffix to list}
local p, own, delegated_to, union = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local nip, today = a.nip, a.today
local keys = {own}
for _, principal in ipairs(redis.call('SMEMBERS', delegated_to)) do
    if wfa_delegated(p, principal, nip, today) then
        keys[#keys + 1] = p .. 'idx:approver:' .. principal
    end
end
if #keys == 1 then return {'ok', 'idx:approver:' .. nip} end
redis.call('ZUNIONSTORE', union, #keys, unpack(keys))
redis.call('PEXPIRE', union, 60000)
return {'ok', 'idx:acting:' .. nip}
