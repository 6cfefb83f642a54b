#!lua
-- deliver_done.lua: record the outcome of one attempt of a delivery.
-- KEYS     the pemda's prefix
-- ARGV[1]  a msgpack map: id, lease (the claim's, as deliver_claim gave
--          it), outcome (sent | retry | dead), status (e.g. HTTP), error,
--          now (ms), due (ms: the next attempt, for retry), max_attempts,
--          pause_after (consecutive failures that pause the group, 0:
--          never), paused_event (the outbox event a pause emits, "" none)
-- Returns  {"ok", state} (sent | queued | held | dead), or {"dup", id} when
--          the claim is stale (its lease ran out and it was claimed anew,
--          or the delivery is gone)
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local record = p .. 'dlv:' .. a.id
local d = redis.call('HMGET', record, 'lease', 'group', 'attempts', 'target', 'channel')
if not d[1] or d[1] ~= a.lease then return {'dup', a.id} end
local group = d[2]
local grp = p .. 'dlvgrp:' .. group
local queue = p .. 'dlvq'
local attempts = tonumber(d[3] or '0') + 1
redis.call('HSET', record, 'attempts', attempts, 'last_status', a.status, 'last_at', a.now, 'lease', 0)
if a.outcome == 'sent' then
    redis.call('ZREM', queue, a.id)
    redis.call('HSET', record, 'state', 'sent', 'sent_at', a.now, 'last_error', '')
    redis.call('HINCRBY', grp, 'sent', 1)
    redis.call('HSET', grp, 'in_a_row', 0, 'last_sent_at', a.now)
    return {'ok', 'sent'}
end
redis.call('HSET', record, 'last_error', a.error)
redis.call('HINCRBY', grp, 'failed', 1)
local in_a_row = redis.call('HINCRBY', grp, 'in_a_row', 1)
redis.call('HSET', grp, 'last_error', a.error, 'last_failed_at', a.now)
local state
if a.outcome == 'dead' or attempts >= tonumber(a.max_attempts) then
    redis.call('ZREM', queue, a.id)
    redis.call('ZADD', p .. 'dlvdead:' .. group, tonumber(a.now), a.id)
    redis.call('HSET', record, 'state', 'dead', 'dead_at', a.now)
    redis.call('HINCRBY', grp, 'dead', 1)
    state = 'dead'
else
    redis.call('ZADD', queue, tonumber(a.due), a.id)
    redis.call('HSET', record, 'state', 'queued', 'due', a.due)
    state = 'queued'
end
-- Too many failures in a row, or a dead letter: the group pauses (once)
local paused = redis.call('HGET', grp, 'paused')
local pause_after = tonumber(a.pause_after)
if pause_after > 0 and (not paused or paused == '')
and (in_a_row >= pause_after or state == 'dead') then
    local reason = state == 'dead' and 'dead_letter' or 'failures'
    redis.call('HSET', grp, 'paused', reason, 'paused_at', a.now)
    if state == 'queued' then
        redis.call('ZREM', queue, a.id)
        redis.call('ZADD', p .. 'dlvheld:' .. group, tonumber(a.now), a.id)
        redis.call('HSET', record, 'state', 'held')
        state = 'held'
    end
    if a.paused_event ~= '' then
        -- The pemda's admin pemda are told (an integrator has no inbox)
        local notify = redis.call('SMEMBERS', p .. 'role:admin_pemda')
        table.sort(notify)
        redis.call('XADD', p .. 'events', '*', 'type', a.paused_event, 'data', cmsgpack.pack({
            pemda = string.match(p, '{(.*)}'), group = group, target = d[4], channel = d[5],
            reason = reason, failures = in_a_row, last_error = a.error, at = tonumber(a.now),
            notify = notify}))
    end
end
return {'ok', state}
