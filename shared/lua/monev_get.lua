-- monev_get.lua: kept figures of one scope over days and months.
-- KEYS[1]  key prefix of the pemda
-- ARGV     scope ("" the pemda, "o:OPD:" an OPD, "n:NIP:" an employee),
--          field count N, N field names, day count D, D days (YYYY-MM-DD),
--          then months (YYYY-MM)
-- Returns  {day rows, targets, steps, requests}: a row per day, the N values
--          in order (0 when absent); one target total per month, in order;
--          per day and approval role (atasan, kepala_opd, bkd) the waits of
--          the steps decided that day, as {wait_ms, sla_ms} pairs (not for an
--          employee's scope); per day the request counters (approved,
--          rejected, revoked) of the pemda or OPD.
local p, scope = KEYS[1], ARGV[1]
local n = tonumber(ARGV[2])
local fields = {}
for i = 1, n do fields[i] = scope .. ARGV[2 + i] end
local d = tonumber(ARGV[3 + n])
local rows = {}
for i = 1, d do
    local v = redis.call('HMGET', p .. 'mv:c:' .. ARGV[3 + n + i], unpack(fields))
    for j = 1, n do v[j] = tonumber(v[j] or 0) end
    rows[i] = v
end
local targets = {}
for i = 4 + n + d, #ARGV do
    targets[#targets + 1] = tonumber(redis.call('HGET', p .. 'mv:t:' .. ARGV[i], scope .. 'target') or 0)
end
local steps, requests = {}, {}
local opd = string.match(scope, '^o:(.+):$')
local person = string.sub(scope, 1, 2) == 'n:'
for i = 1, d do
    local day = ARGV[3 + n + i]
    local per_role = {}
    for r, role in ipairs({'atasan', 'kepala_opd', 'bkd'}) do
        local key = p .. 'mv:step:' .. day .. ':' .. role
        if opd then key = key .. ':' .. opd end
        local waits = {}
        if not person then
            local z = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
            for j = 1, #z, 2 do
                local sla = string.match(z[j], '|([^|]*)$')
                waits[#waits + 1] = tonumber(z[j + 1])
                waits[#waits + 1] = tonumber(sla or '0')
            end
        end
        per_role[r] = waits
    end
    steps[i] = per_role
    local prefix = ''
    if opd then prefix = 'opd:' .. opd .. ':' end
    local m = {0, 0, 0}
    if not person then
        m = redis.call('HMGET', p .. 'm:day:' .. day, prefix .. 'approved', prefix .. 'rejected', prefix .. 'revoked')
        for j = 1, 3 do m[j] = tonumber(m[j] or 0) end
    end
    requests[i] = m
end
return {rows, targets, steps, requests}
