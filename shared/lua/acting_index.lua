#!lua flags=allow-oom
-- acting_index.lua: the index APPROVAL.LIST reads for an approver: their
-- own, or, when others delegated to them for today (Plt/Plh), the union of
-- theirs and those, kept a minute.
-- KEYS[1]  key prefix of the pemda
-- ARGV     nip, today (YYYY-MM-DD)
-- Returns  the index key suffix to list
local p, nip, today = KEYS[1], ARGV[1], ARGV[2]
local keys = {p .. 'idx:approver:' .. nip}
for _, principal in ipairs(redis.call('SMEMBERS', p .. 'delegated_to:' .. nip)) do
    if wfa_delegated(p, principal, nip, today) then
        keys[#keys + 1] = p .. 'idx:approver:' .. principal
    end
end
if #keys == 1 then return 'idx:approver:' .. nip end
local union = 'idx:acting:' .. nip
redis.call('ZUNIONSTORE', p .. union, #keys, unpack(keys))
redis.call('PEXPIRE', p .. union, 60000)
return union
