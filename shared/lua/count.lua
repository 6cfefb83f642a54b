#!lua
-- count.lua: fold one event into the monev counters, once per event.
-- KEYS     the pemda's prefix, its done marks (done:metrics), days (m:days),
--          OPDs (m:opds), the figures of the event's day (m:day:DAY) and of
--          its submission's day (m:day:SUBMITTED_DAY), the lead times of the
--          event's day (m:lead:DAY) and of its OPD (m:lead:DAY:OPD)
-- ARGV[1]  a msgpack map: event_id, now (ms, when counted: the done mark's
--          age), type ("submitted"|"approved"|"rejected"|"cancelled"|
--          "revoked"|"expired"), day, submitted_day (YYYY-MM-DD),
--          day_number, submitted_day_number, opd, request_id, lead (ms),
--          undecided ("1" when a cancelled request had not been decided
--          yet: it leaves the pending figure)
-- Returns  {"ok", event_id} if counted, {"dup", event_id} if counted before
local done, days, opds, h, hs, lead_day, lead_opd =
    KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local a = cmsgpack.unpack(ARGV[1])
local kind, opd = a.type, a.opd

if redis.call('ZADD', done, 'NX', tonumber(a.now), a.event_id) == 0 then return {'dup', a.event_id} end
local o = 'opd:' .. opd .. ':'
redis.call('ZADD', days, a.day_number, a.day)
redis.call('ZADD', days, a.submitted_day_number, a.submitted_day)
redis.call('SADD', opds, opd)
if kind == 'submitted' then
    redis.call('HINCRBY', h, 'submitted', 1)
    redis.call('HINCRBY', h, o .. 'submitted', 1)
    redis.call('HINCRBY', hs, 'pending', 1)
    redis.call('HINCRBY', hs, o .. 'pending', 1)
elseif kind == 'cancelled' or kind == 'revoked' or kind == 'expired' then
    redis.call('HINCRBY', h, kind, 1)
    redis.call('HINCRBY', h, o .. kind, 1)
    if a.undecided == '1' then
        redis.call('HINCRBY', hs, 'pending', -1)
        redis.call('HINCRBY', hs, o .. 'pending', -1)
    end
else
    redis.call('HINCRBY', h, kind, 1)
    redis.call('HINCRBY', h, o .. kind, 1)
    redis.call('HINCRBY', hs, 'pending', -1)
    redis.call('HINCRBY', hs, o .. 'pending', -1)
    redis.call('ZADD', lead_day, tonumber(a.lead), a.request_id)
    redis.call('ZADD', lead_opd, tonumber(a.lead), a.request_id)
end
return {'ok', a.event_id}
