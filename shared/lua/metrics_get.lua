#!lua flags=no-writes
-- metrics_get.lua: counters and lead times over a list of days.
-- KEYS[1]  key prefix of the pemda
-- ARGV     opd ("" for the whole pemda), then the days (YYYY-MM-DD);
--          with no days, every day that has figures
-- Returns  {rows, leads, no_approver}: rows are {date, submitted, approved, rejected,
--          pending, cancelled, revoked, expired}; leads are every lead time in ms, in
--          the days given; no_approver: requests waiting now at a step whose
--          role nobody holds
local p = KEYS[1]
local opd = ARGV[1]
local prefix, suffix = '', ''
if opd ~= '' then prefix = 'opd:' .. opd .. ':'; suffix = ':' .. opd end
local days = {}
for i = 2, #ARGV do days[#days + 1] = ARGV[i] end
if #days == 0 then days = redis.call('ZRANGE', p .. 'm:days', 0, -1) end
local rows, leads = {}, {}
for _, day in ipairs(days) do
    local v = redis.call('HMGET', p .. 'm:day:' .. day, prefix .. 'submitted',
        prefix .. 'approved', prefix .. 'rejected', prefix .. 'pending', prefix .. 'cancelled',
        prefix .. 'revoked', prefix .. 'expired')
    if v[1] or v[2] or v[3] or v[4] or v[5] or v[6] or v[7] then
        rows[#rows + 1] = {day, tonumber(v[1] or 0), tonumber(v[2] or 0), tonumber(v[3] or 0),
                           tonumber(v[4] or 0), tonumber(v[5] or 0), tonumber(v[6] or 0),
                           tonumber(v[7] or 0)}
    end
    local l = redis.call('ZRANGE', p .. 'm:lead:' .. day .. suffix, 0, -1, 'WITHSCORES')
    for i = 2, #l, 2 do leads[#leads + 1] = l[i] end
end
local waiting = 'idx:no_approver'
if opd ~= '' then waiting = 'idx:opd:' .. opd .. ':no_approver' end
return {rows, leads, redis.call('ZCARD', p .. waiting)}
