#!lua flags=no-writes
-- audit_verify.lua: check one chunk of a pemda's audit chain.
-- KEYS[1]  key prefix of the pemda
-- ARGV     start (list index), count, prev (hash the chunk must follow),
--          seq (the seq the chunk's first entry must have)
-- Returns  {"ok", prev, seq, checked} for a good chunk (continue from start+count),
--          {"end", prev, seq, checked} when the list ended and its head matches,
--          {"bad", seq, problem} at the first broken entry
local p = KEYS[1]
local start, count, prev, seq = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local entries = redis.call('LRANGE', p .. 'audit', start, start + count - 1)
for i, entry in ipairs(entries) do
    local fields = {}
    for field in string.gmatch(entry .. WFA_US, '([^' .. WFA_US .. ']*)' .. WFA_US) do
        fields[#fields + 1] = field
    end
    if #fields ~= 13 then return {'bad', tostring(seq), 'malformed entry at position ' .. (start + i)} end
    if tonumber(fields[1]) ~= seq then
        return {'bad', tostring(seq), 'sequence ' .. fields[1] .. ' where ' .. seq .. ' was expected (entry removed or inserted)'}
    end
    if fields[12] ~= prev then
        return {'bad', tostring(seq), 'entry does not follow the one before (chain broken)'}
    end
    local body = table.concat(fields, WFA_US, 1, 11)
    if redis.sha1hex(prev .. WFA_US .. body) ~= fields[13] then
        return {'bad', tostring(seq), 'entry content does not match its hash (altered)'}
    end
    prev = fields[13]
    seq = seq + 1
end
if #entries < count then
    local head = redis.call('GET', p .. 'audit:head') or WFA_GENESIS
    local last = tonumber(redis.call('GET', p .. 'audit:seq') or '0')
    if head ~= prev or last ~= seq - 1 then
        return {'bad', tostring(seq), 'log ends at ' .. (seq - 1) .. ' but ' .. last .. ' entries were written (entries removed at the end)'}
    end
    return {'end', prev, tostring(seq), #entries}
end
return {'ok', prev, tostring(seq), #entries}
