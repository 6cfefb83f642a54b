#!lua
-- deliver_enqueue.lua: queue one outbound delivery, once per id.
-- KEYS     the pemda's prefix
-- ARGV[1]  a msgpack map: id, channel, target, group, payload, now (ms),
--          replay ("1": queue it anew even if it exists: attempts reset,
--          out of the dead letters, the same id)
-- Returns  {"ok", id} queued (or held: its group is paused), {"dup", id}
--          when it was already there and this is no replay
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local record = p .. 'dlv:' .. a.id
local exists = redis.call('EXISTS', record) == 1
if exists and a.replay ~= '1' then return {'dup', a.id} end
local paused = redis.call('HGET', p .. 'dlvgrp:' .. a.group, 'paused')
local held = paused and paused ~= ''
if exists then
    redis.call('ZREM', p .. 'dlvdead:' .. a.group, a.id)
    redis.call('HSET', record, 'attempts', 0, 'replayed_at', a.now)
else
    redis.call('HSET', record, 'channel', a.channel, 'target', a.target, 'group', a.group,
               'payload', a.payload, 'attempts', 0, 'created_at', a.now)
end
redis.call('HSET', record, 'state', held and 'held' or 'queued', 'due', a.now, 'lease', 0)
if held then
    redis.call('ZREM', p .. 'dlvq', a.id)
    redis.call('ZADD', p .. 'dlvheld:' .. a.group, tonumber(a.now), a.id)
else
    redis.call('ZADD', p .. 'dlvq', tonumber(a.now), a.id)
end
return {'ok', a.id}
