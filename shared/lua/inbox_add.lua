#!lua
-- inbox_add.lua: add one entry to a person's inbox, once per event.
-- KEYS     the pemda's prefix, the inbox (inbox:NIP), its order (inboxz:NIP)
-- ARGV[1]  a msgpack map: entry_id (the event id), entry (a msgpack map),
--          at (ms)
-- Returns  {"ok", entry_id} if added, {"dup", entry_id} if it was already there
local inbox, order = KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
if redis.call('HSETNX', inbox, a.entry_id, a.entry) == 1 then
    redis.call('ZADD', order, tonumber(a.at), a.entry_id)
    return {'ok', a.entry_id}
end
return {'dup', a.entry_id}
