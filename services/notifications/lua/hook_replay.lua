#!lua
-- hook_replay.lua: queue deliveries of a webhook endpoint anew (attempts
-- reset, out of the dead letters, the same id and payload), once per key.
-- KEYS     the pemda's prefix, the call's idempotency record
-- ARGV[1]  a msgpack map: group ("hook:ID"), event ("" or an event id:
--          that event's delivery), from, to (ms: the dead letters that
--          died in between, when no event), now (ms), fp, ttl (s)
-- Returns  {"ok", how many were queued}; {"dup", that count} a retry;
--          {"err", "NOT_FOUND", event, "event_id"} an event with no
--          delivery; {"err", "IDEMPOTENCY_MISMATCH", ...}
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(KEYS[2], a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local dead = p .. 'dlvdead:' .. a.group
local ids
if a.event ~= '' then
    local id = a.group .. ':' .. a.event
    if redis.call('EXISTS', p .. 'dlv:' .. id) == 0 then
        return {'err', 'NOT_FOUND', a.event, 'event_id'}
    end
    ids = {id}
else
    ids = redis.call('ZRANGEBYSCORE', dead, a.from, a.to)
end
local paused = redis.call('HGET', p .. 'dlvgrp:' .. a.group, 'paused')
local held = paused and paused ~= ''
for _, id in ipairs(ids) do
    local record = p .. 'dlv:' .. id
    redis.call('ZREM', dead, id)
    redis.call('HSET', record, 'attempts', 0, 'replayed_at', a.now, 'due', a.now, 'lease', 0,
               'state', held and 'held' or 'queued')
    if held then
        redis.call('ZREM', p .. 'dlvq', id)
        redis.call('ZADD', p .. 'dlvheld:' .. a.group, tonumber(a.now), id)
    else
        redis.call('ZADD', p .. 'dlvq', tonumber(a.now), id)
    end
end
wfa_idem_set(KEYS[2], a.fp, tostring(#ids), a.ttl)
return {'ok', tostring(#ids)}
