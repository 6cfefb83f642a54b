#!lua
-- monev_flex.lua: fold a request event into the flexible-day figures, once.
-- KEYS[1]  key prefix of the pemda
-- ARGV     event_id, now_ms, type ("approved"|"cancelled"|"revoked"),
--          request_id, from_state (of a cancel or revoke), from_date (the
--          first day given back; "" for all)
-- Returns  1 if folded, 0 if seen before or not a change of flexible days
-- Figures: flex (every approved day), flex_loc (the days of location kinds,
-- the ones the weekly cap counts).
local p = KEYS[1]
local event_id, now, kind, id, from_state, from_date = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('ZADD', p .. 'done:monev', 'NX', now, event_id) == 0 then return 0 end
local r = redis.call('HMGET', p .. 'req:' .. id, 'nip', 'opd', 'dates', 'kind')
if not r[1] then return 0 end
-- A service account's days are no person's flexible days
if wfa_mv_service(redis.call('HGET', p .. 'emp:' .. r[1], 'roles')) then return 0 end
local step = 1
if kind ~= 'approved' then
    if from_state ~= 'approved' then return 0 end
    step = -1
end
local location = wfa_mv_location(r[4])
for date in string.gmatch(r[3] or '', '[^,]+') do
    if step == 1 or from_date == '' or date >= from_date then
        wfa_mv_add(p, date, r[2], r[1], 'flex', step)
        -- Who works flexibly that day: the report reminders read it
        if step == 1 then redis.call('SADD', p .. 'mv:flexset:' .. date, r[1])
        else redis.call('SREM', p .. 'mv:flexset:' .. date, r[1]) end
        if location then wfa_mv_add(p, date, r[2], r[1], 'flex_loc', step) end
    end
end
return 1
