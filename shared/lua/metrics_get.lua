#!lua flags=no-writes
-- metrics_get.lua: counters and lead times over a list of days.
-- KEYS     the pemda's prefix, its days with figures (m:days), what waits for
--          a role nobody holds (idx:no_approver, or idx:opd:OPD:no_approver)
-- ARGV[1]  a msgpack map: opd (absent or "" for the whole pemda), days (an
--          array of YYYY-MM-DD; absent or empty: every day that has figures)
-- A day's figures (m:day:DAY) and lead times (m:lead:DAY[:OPD]) are read by
-- the day's name: up to 3,661 days, too many to pass each as a key.
-- Returns  {"ok", rows, leads, no_approver}: rows are {date, submitted, approved, rejected,
--          pending, cancelled, revoked, expired}; leads are every lead time in ms, in
--          the days given; no_approver: requests waiting now at a step whose
--          role nobody holds
local p, all_days, waiting = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local opd = a.opd or ''
local prefix, suffix = '', ''
if opd ~= '' then prefix = 'opd:' .. opd .. ':'; suffix = ':' .. opd end
local days = a.days or {}
if #days == 0 then days = redis.call('ZRANGE', all_days, 0, -1) end
local figures = {'submitted', 'approved', 'rejected', 'pending', 'cancelled', 'revoked', 'expired'}
local fields = {}
for i, name in ipairs(figures) do fields[i] = prefix .. name end
local rows, leads = {}, {}
for _, day in ipairs(days) do
    local v = wfa_hmget(p .. 'm:day:' .. day, unpack(fields))
    if next(v) then
        local row = {day}
        for i, field in ipairs(fields) do row[i + 1] = tonumber(v[field] or 0) end
        rows[#rows + 1] = row
    end
    local l = redis.call('ZRANGE', p .. 'm:lead:' .. day .. suffix, 0, -1, 'WITHSCORES')
    for i = 2, #l, 2 do leads[#leads + 1] = l[i] end
end
return {'ok', rows, leads, redis.call('ZCARD', waiting)}
