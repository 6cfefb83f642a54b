#!lua
-- hook_add.lua: record a webhook endpoint of a pemda.
-- KEYS     the pemda's prefix
-- ARGV[1]  a msgpack map: id, url, types (space separated, "" = all),
--          owner (who manages it), secret, now (ms)
-- Returns  {"ok", id}, {"dup", id} when the id is taken
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local record = p .. 'hook:' .. a.id
if redis.call('EXISTS', record) == 1 then return {'dup', a.id} end
redis.call('HSET', record, 'url', a.url, 'types', a.types, 'owner', a.owner,
           'secret', a.secret, 'created_at', a.now)
redis.call('ZADD', p .. 'hooks', tonumber(a.now), a.id)
return {'ok', a.id}
