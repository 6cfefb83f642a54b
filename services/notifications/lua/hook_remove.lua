#!lua
-- hook_remove.lua: forget a webhook endpoint of a pemda; its queued
-- deliveries find no endpoint and become dead letters, its group record
-- goes.
-- KEYS     the pemda's prefix
-- ARGV[1]  a msgpack map: id
-- Returns  {"ok", id}, {"err", "NOT_FOUND", id, "webhook_id"} when unknown
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local record = p .. 'hook:' .. a.id
if redis.call('EXISTS', record) == 0 then return {'err', 'NOT_FOUND', a.id, 'webhook_id'} end
redis.call('DEL', record, p .. 'dlvgrp:hook:' .. a.id, p .. 'dlvheld:hook:' .. a.id)
redis.call('ZREM', p .. 'hooks', a.id)
return {'ok', a.id}
