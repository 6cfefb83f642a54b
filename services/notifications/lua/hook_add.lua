#!lua
-- hook_add.lua: record a webhook endpoint of a pemda, once per key.
-- KEYS     the pemda's prefix, the call's idempotency record
-- ARGV[1]  a msgpack map: id, url, types (space separated, "" = all),
--          owner (who manages it), secret, now (ms), fp (the call's
--          fingerprint), ttl (s)
-- Returns  {"ok", id}; {"dup", id} a retry (the endpoint it made);
--          {"err", "IDEMPOTENCY_MISMATCH", ...} the key with another body
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(KEYS[2], a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local record = p .. 'hook:' .. a.id
redis.call('HSET', record, 'url', a.url, 'types', a.types, 'owner', a.owner,
           'secret', a.secret, 'created_at', a.now)
redis.call('ZADD', p .. 'hooks', tonumber(a.now), a.id)
wfa_idem_set(KEYS[2], a.fp, a.id, a.ttl)
return {'ok', a.id}
