#!lua
-- inbox_add.lua: add one entry to a person's inbox, once per event.
-- KEYS[1]  key prefix of the pemda
-- ARGV     nip, entry_id (the event id), entry (msgpack map), at_ms
-- Returns  1 if added, 0 if it was already there
local p = KEYS[1]
local nip, entry_id, entry, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HSETNX', p .. 'inbox:' .. nip, entry_id, entry) == 1 then
    redis.call('ZADD', p .. 'inboxz:' .. nip, tonumber(at), entry_id)
    return 1
end
return 0
