#!lua
-- deliver_claim.lua: claim the due deliveries of a pemda with a lease.
-- KEYS     the pemda's prefix
-- ARGV[1]  a msgpack map: now (ms), lease (ms), max (deliveries at most)
-- Returns  {"ok", {id, channel, target, group, payload, attempts, lease}...}:
--          each claimed one's score is now + lease, so that when its
--          sender dies it is claimed again once the lease has run out. One
--          of a paused group is moved to the group's held set instead; one
--          whose record is gone leaves the queue.
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local queue = p .. 'dlvq'
local lease = tonumber(a.now) + tonumber(a.lease)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', queue, '-inf', a.now, 'LIMIT', 0, tonumber(a.max))) do
    local record = p .. 'dlv:' .. id
    local d = redis.call('HMGET', record, 'channel', 'target', 'group', 'payload', 'attempts')
    if not d[1] then
        redis.call('ZREM', queue, id)
    else
        local paused = redis.call('HGET', p .. 'dlvgrp:' .. d[3], 'paused')
        if paused and paused ~= '' then
            redis.call('ZREM', queue, id)
            redis.call('ZADD', p .. 'dlvheld:' .. d[3], tonumber(a.now), id)
            redis.call('HSET', record, 'state', 'held')
        else
            redis.call('ZADD', queue, lease, id)
            redis.call('HSET', record, 'lease', lease)
            out[#out + 1] = {id, d[1], d[2], d[3], d[4], d[5] or '0', tostring(lease)}
        end
    end
end
return {'ok', out}
