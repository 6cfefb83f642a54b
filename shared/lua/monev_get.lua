-- monev_get.lua: kept figures of one scope over days and months.
-- KEYS[1]  key prefix of the pemda
-- ARGV     scope ("" the pemda, "o:OPD:" an OPD, "n:NIP:" an employee),
--          field count N, N field names, day count D, D days (YYYY-MM-DD),
--          then months (YYYY-MM)
-- Returns  {day rows, targets}: a row per day, the N values in order (0 when
--          absent); one target total per month, in order.
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
return {rows, targets}
