#!lua flags=no-writes
-- employees.lua: a page of a pemda's employees (EMPLOYEE.LIST), in NIP order.
-- KEYS     the pemda's prefix, the list (emps, emps:active, emps:opd:OPD or
--          emps:opd:OPD:active: import.lua and deactivate.lua keep them)
-- ARGV[1]  a msgpack map: cursor (a page's next_cursor, "" for the first),
--          limit
-- Returns  {"ok", array of HGETALL arrays, next_cursor} |
--          {"err", "BAD_CURSOR", "cursor"}
local p, list = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local after = wfa_cursor_decode(a.cursor)
if not after or string.find(after, '[^0-9]') then return {'err', 'BAD_CURSOR', 'cursor'} end
local nips, next_cursor = wfa_lex_page(list, after, tonumber(a.limit))
local out = {}
for i, nip in ipairs(nips) do out[i] = redis.call('HGETALL', p .. 'emp:' .. nip) end
return {'ok', out, next_cursor}
