#!lua
-- count.lua: fold one event into the monev counters, once per event.
-- KEYS[1]  key prefix of the pemda
-- ARGV     event_id, now_ms (when counted: the done mark's age), type ("submitted"|"approved"|"rejected"),
--          event_day, submitted_day, day_number_event, day_number_submitted,
--          opd, request_id, lead_ms, undecided ("1" when a cancelled request
--          had not been decided yet: it leaves the pending figure)
-- Returns  1 if counted, 0 if this event was counted before
local p = KEYS[1]
local event_id, now, kind = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local day, sub_day, day_nbr, sub_day_nbr = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local opd, request_id, lead = ARGV[8], ARGV[9], ARGV[10]

if redis.call('ZADD', p .. 'done:metrics', 'NX', now, event_id) == 0 then return 0 end
local h = p .. 'm:day:' .. day
local hs = p .. 'm:day:' .. sub_day
local o = 'opd:' .. opd .. ':'
redis.call('ZADD', p .. 'm:days', day_nbr, day)
redis.call('ZADD', p .. 'm:days', sub_day_nbr, sub_day)
redis.call('SADD', p .. 'm:opds', opd)
if kind == 'submitted' then
    redis.call('HINCRBY', h, 'submitted', 1)
    redis.call('HINCRBY', h, o .. 'submitted', 1)
    redis.call('HINCRBY', hs, 'pending', 1)
    redis.call('HINCRBY', hs, o .. 'pending', 1)
elseif kind == 'cancelled' or kind == 'revoked' or kind == 'expired' then
    redis.call('HINCRBY', h, kind, 1)
    redis.call('HINCRBY', h, o .. kind, 1)
    if ARGV[11] == '1' then
        redis.call('HINCRBY', hs, 'pending', -1)
        redis.call('HINCRBY', hs, o .. 'pending', -1)
    end
else
    redis.call('HINCRBY', h, kind, 1)
    redis.call('HINCRBY', h, o .. kind, 1)
    redis.call('HINCRBY', hs, 'pending', -1)
    redis.call('HINCRBY', hs, o .. 'pending', -1)
    redis.call('ZADD', p .. 'm:lead:' .. day, tonumber(lead), request_id)
    redis.call('ZADD', p .. 'm:lead:' .. day .. ':' .. opd, tonumber(lead), request_id)
end
return 1
