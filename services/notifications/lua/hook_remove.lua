#!lua
-- hook_remove.lua: forget a webhook endpoint of a pemda, once per key; its
-- queued deliveries find no endpoint and become dead letters, its group
-- record and held deliveries go.
-- KEYS     the pemda's prefix, the call's idempotency record
-- ARGV[1]  a msgpack map: id, owner (the one owner allowed, "" any), fp
--          (the call's fingerprint), ttl (s)
-- Returns  {"ok", id}; {"dup", id} a retry; {"err", "NOT_FOUND", id,
--          "webhook_id"} unknown or another owner's; {"err",
--          "IDEMPOTENCY_MISMATCH", ...} the key with another body
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(KEYS[2], a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local record = p .. 'hook:' .. a.id
local owner = redis.call('HGET', record, 'owner')
if not owner or (a.owner ~= '' and owner ~= a.owner) then
    return {'err', 'NOT_FOUND', a.id, 'webhook_id'}
end
redis.call('DEL', record, p .. 'dlvgrp:hook:' .. a.id, p .. 'dlvheld:hook:' .. a.id)
redis.call('ZREM', p .. 'hooks', a.id)
wfa_idem_set(KEYS[2], a.fp, a.id, a.ttl)
return {'ok', a.id}
