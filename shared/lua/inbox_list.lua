#!lua flags=no-writes
-- inbox_list.lua: one page of a person's inbox, newest first, each entry
-- with its read state, and the counts, read at one moment (INBOX.LIST).
-- KEYS     the pemda's prefix, the inbox (inbox:NIP), its order (inboxz:NIP),
--          its unread entries (inboxu:NIP), when each was read (inboxr:NIP)
-- ARGV[1]  a msgpack map: cursor ("" for the first page), limit (0: only
--          the counts), unread ("1": only unread entries)
-- Returns  {"ok", entries (msgpack maps), count, unread_count, next_cursor}
--          | {"err", "BAD_CURSOR", "cursor"}
-- An entry is unread while it is in inboxu; one written before entries had
-- a read state is in no inboxu and reads as read, at 0.
local inbox, order, unread, read_at = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local a = cmsgpack.unpack(ARGV[1])
local limit = tonumber(a.limit) or 0
local members, next_cursor = {}, ''
if limit > 0 then
    local after = wfa_cursor_decode(a.cursor)
    if after then
        local index = order
        if a.unread == '1' then index = unread end
        members, next_cursor = wfa_page(index, after, limit, true, nil, limit)
    else
        members = nil
    end
    if not members then return {'err', 'BAD_CURSOR', 'cursor'} end
end
local entries = {}
for _, id in ipairs(members) do
    local blob = redis.call('HGET', inbox, id)
    if blob then
        local entry = cmsgpack.unpack(blob)
        entry.read = redis.call('ZSCORE', unread, id) == false
        entry.read_at = tonumber(redis.call('HGET', read_at, id) or '0') or 0
        entries[#entries + 1] = cmsgpack.pack(entry)
    end
end
return {'ok', entries, redis.call('ZCARD', order), redis.call('ZCARD', unread), next_cursor}
