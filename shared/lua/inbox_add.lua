#!lua
-- inbox_add.lua: add one entry to a person's inbox, once per event.
-- KEYS     the pemda's prefix, the inbox (inbox:NIP), its order (inboxz:NIP),
--          its unread entries (inboxu:NIP)
-- ARGV[1]  a msgpack map: entry_id (the event id), entry (a msgpack map),
--          at (ms)
-- Returns  {"ok", entry_id} if added (unread), {"dup", entry_id} if it was
--          already there: a redelivered event leaves the entry, and whether
--          it was read, as it is
local inbox, order, unread = KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
if redis.call('HSETNX', inbox, a.entry_id, a.entry) == 1 then
    redis.call('ZADD', order, tonumber(a.at), a.entry_id)
    redis.call('ZADD', unread, tonumber(a.at), a.entry_id)
    return {'ok', a.entry_id}
end
return {'dup', a.entry_id}
