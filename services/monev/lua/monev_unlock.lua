#!lua
-- monev_unlock.lua: end a rebuild of a pemda (rebuild.c): release its lock,
-- but only the holder's, so a rebuild that outlived its lease cannot release
-- the lock a later one took.
-- KEYS     the pemda's prefix, the rebuild lock (mv:rebuild:lock)
-- ARGV[1]  a msgpack map: token (what the holder SET the lock to)
-- Returns  {'ok', 1} when released, {'ok', 0} when the lock was not ours
local a = cmsgpack.unpack(ARGV[1])
if redis.call('GET', KEYS[2]) == a.token then
    redis.call('DEL', KEYS[2])
    return {'ok', 1}
end
return {'ok', 0}
