#!lua
-- monev_flex.lua: fold a request event into the flexible-day figures, once.
-- KEYS     the pemda's prefix, its done marks (done:monev), the request
--          (req:ID)
-- ARGV[1]  a msgpack map: event_id, now (ms, the done mark's score), type
--          ("approved"|"cancelled"|"revoked"), from_state (of a cancel or
--          revoke), from_date (the first day given back; "" for all)
-- Returns  {"ok", "folded"}, {"ok", "none"} when the event changes no
--          flexible day, or {"dup", event_id} when it was seen before
-- Figures: flex (every approved day), flex_loc (the days of location kinds,
-- the ones the weekly cap counts).
local p, done, rkey = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local kind, from_state, from_date = a.type, a.from_state or '', a.from_date or ''
if redis.call('ZADD', done, 'NX', tonumber(a.now), a.event_id) == 0 then return {'dup', a.event_id} end
local r = wfa_hmget(rkey, 'nip', 'opd', 'dates', 'kind')
if not r.nip then return {'ok', 'none'} end
-- A service account's days are no person's flexible days
if wfa_mv_service(redis.call('HGET', p .. 'emp:' .. r.nip, 'roles')) then return {'ok', 'none'} end
local step = 1
if kind ~= 'approved' then
    if from_state ~= 'approved' then return {'ok', 'none'} end
    step = -1
end
local location = wfa_mv_location(r.kind)
for date in string.gmatch(r.dates or '', '[^,]+') do
    if step == 1 or from_date == '' or date >= from_date then
        wfa_mv_add(p, date, r.opd, r.nip, 'flex', step)
        -- Who works flexibly that day: the report reminders read it
        if step == 1 then redis.call('SADD', p .. 'mv:flexset:' .. date, r.nip)
        else redis.call('SREM', p .. 'mv:flexset:' .. date, r.nip) end
        if location then wfa_mv_add(p, date, r.opd, r.nip, 'flex_loc', step) end
    end
end
return {'ok', 'folded'}
