#!lua flags=no-writes
-- page.lua: one page of a sorted set, for the lists that read their items
-- in C (INBOX.LIST, REPORT.LIST): the members after a cursor, in order
-- (docs/protocol.md, "Lists and cursors").
-- KEYS     the pemda's prefix, the sorted set
-- ARGV[1]  a msgpack map: cursor (a page's next_cursor, "" for the first),
--          limit, order ("desc": highest score first, or "asc")
-- Returns  {"ok", members, next_cursor} | {"err", "BAD_CURSOR", "cursor"}
local index = KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local after = wfa_cursor_decode(a.cursor)
local members, next_cursor
if after then
    members, next_cursor = wfa_page(index, after, tonumber(a.limit), a.order == 'desc', nil, tonumber(a.limit))
end
if not members then return {'err', 'BAD_CURSOR', 'cursor'} end
return {'ok', members, next_cursor}
