-- deliver.lua: the outbound delivery queue's shared writes (see
-- services/notifications/notifications.h for its keys).

-- Queue the deliveries held while group was paused, due now, and mark the
-- group active. Returns how many were queued.
local function wfa_deliver_resume(p, group, now)
    local held = p .. 'dlvheld:' .. group
    local ids = redis.call('ZRANGE', held, 0, -1)
    for _, id in ipairs(ids) do
        redis.call('ZADD', p .. 'dlvq', tonumber(now), id)
        redis.call('HSET', p .. 'dlv:' .. id, 'state', 'queued', 'due', now)
    end
    redis.call('DEL', held)
    redis.call('HSET', p .. 'dlvgrp:' .. group, 'paused', '', 'in_a_row', 0)
    return #ids
end
