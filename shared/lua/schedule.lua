#!lua flags=no-writes
-- schedule.lua: who works where on a date (SCHEDULE.GET): a page of the
-- approved requests holding the date, one per employee, in NIP order.
-- KEYS     the pemda's prefix, the day's schedule (sched:DATE or
--          sched:opd:OPD:DATE: "NIP|REQUEST_ID", kept by wfa_transition)
-- ARGV[1]  a msgpack map: cursor (a page's next_cursor, "" for the first),
--          limit, date (YYYY-MM-DD)
-- Returns  {"ok", entries, next_cursor}, each entry a flat array of the
--          request's nip, name, opd, unit, kind, location, time_kind,
--          request_id, start, end ("" when not scheduled) |
--          {"err", "BAD_CURSOR", "cursor"}
local p, day = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local after = wfa_cursor_decode(a.cursor)
if not after or (after ~= '' and not string.find(after, '^%d+|')) then
    return {'err', 'BAD_CURSOR', 'cursor'}
end
local members, next_cursor = wfa_lex_page(day, after, tonumber(a.limit))
local out = {}
for i, member in ipairs(members) do
    local id = string.match(member, '|(.+)$') or ''
    local r = wfa_hmget(p .. 'req:' .. id, 'nip', 'name', 'opd', 'unit', 'kind', 'location',
                        'time_kind', 'schedule')
    -- A time-flexibility schedule: "DATE=HH:MM-HH:MM,..."
    local start, stop = string.match(r.schedule or '', (string.gsub(a.date, '%-', '%%-'))
                                     .. '=(%d%d:%d%d)%-(%d%d:%d%d)')
    out[i] = {r.nip or '', r.name or '', r.opd or '', r.unit or '', r.kind or '', r.location or '',
              r.time_kind or '', id, start or '', stop or ''}
end
return {'ok', out, next_cursor}
