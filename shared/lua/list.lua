#!lua flags=no-writes
-- list.lua: requests from an index, newest first, filtered, with their fields.
-- KEYS     the pemda's prefix, the index (e.g. idx:opd:DINKES)
-- ARGV[1]  a msgpack map: limit, state, opd, nip (filters: absent or ""
--          matches anything)
-- Scans at most 10,000 ids of the index, so one call never holds Redis
-- long; the callers pick the narrowest index, where the rest rarely filters.
-- Returns  {"ok", array of HGETALL arrays}
local p, index = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local limit, state, opd, nip = tonumber(a.limit), a.state or '', a.opd or '', a.nip or ''
local out = {}
local start = 0
while #out < limit and start < 10000 do
    local ids = redis.call('ZREVRANGE', index, start, start + 199)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
        local r = wfa_hmget(p .. 'req:' .. id, 'state', 'opd', 'nip')
        if r.state and (state == '' or r.state == state) and (opd == '' or r.opd == opd)
        and (nip == '' or r.nip == nip) then
            out[#out + 1] = redis.call('HGETALL', p .. 'req:' .. id)
            if #out >= limit then break end
        end
    end
    start = start + 200
end
return {'ok', out}
