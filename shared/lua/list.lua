#!lua flags=no-writes
-- list.lua: requests from an index, newest first, filtered, with their
-- fields, a page at a time; or (changed) the requests changed after a sync
-- cursor, in the order of change (REQUEST.LIST changed_since).
-- KEYS     the pemda's prefix, the index (e.g. idx:opd:DINKES; idx:changed
--          for changes)
-- ARGV[1]  a msgpack map: limit, state, opd, nip (filters: absent or ""
--          matches anything), cursor (a page's next_cursor, "" for the
--          first page), changed ("1": list changes; cursor is then the
--          sync cursor, "" or "0" from the beginning)
-- Scans at most 10,000 ids of the index after the cursor, so one call never
-- holds Redis long; the callers pick the narrowest index, where the rest
-- rarely filters.
-- Returns  {"ok", array of HGETALL arrays, next_cursor[, sync_cursor]} |
--          {"err", "BAD_CURSOR"|"CURSOR_EXPIRED", detail}
local p, index = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local limit, state, opd, nip = tonumber(a.limit), a.state or '', a.opd or '', a.nip or ''
local function wanted(id)
    local r = wfa_hmget(p .. 'req:' .. id, 'state', 'opd', 'nip')
    return r.state and (state == '' or r.state == state) and (opd == '' or r.opd == opd)
        and (nip == '' or r.nip == nip)
end
local function fields(ids)
    local out = {}
    for i, id in ipairs(ids) do out[i] = redis.call('HGETALL', p .. 'req:' .. id) end
    return out
end
local after = wfa_cursor_decode(a.cursor)
if a.changed == '1' and a.cursor == '0' then after = '' end
if not after then return {'err', 'BAD_CURSOR', 'cursor'} end
if a.changed ~= '1' then
    local ids, next_cursor = wfa_page(index, after, limit, true, wanted, 10000)
    if not ids then return {'err', 'BAD_CURSOR', 'cursor'} end
    return {'ok', fields(ids), next_cursor}
end
-- Changes: the position is the change counter, one request per value
local seq = 0
if after ~= '' then
    seq = tonumber(string.match(after, '^c(%d+)$') or '')
    if not seq then return {'err', 'BAD_CURSOR', 'changed_since'} end
    if seq < tonumber(redis.call('GET', p .. 'chg:floor') or '0') then
        return {'err', 'CURSOR_EXPIRED', 'changed_since'}
    end
end
-- (after the member of that counter: '\255' sorts after every id)
local ids, next_cursor = wfa_page(index, after == '' and '' or (seq .. ':\255'), limit, false, wanted, 10000)
if not ids then return {'err', 'BAD_CURSOR', 'changed_since'} end
-- The sync cursor: after the last change looked at (next_cursor's position)
local sync = seq
local position = wfa_cursor_decode(next_cursor) or ''
if position ~= '' then
    sync = tonumber(string.match(position, '^(%d+):')) or seq
else
    -- Caught up: everything up to the counter now has been seen, even when
    -- a filter kept none of it (the next sync starts after it all)
    sync = math.max(seq, tonumber(redis.call('GET', p .. 'chg:seq') or '0'))
end
if position ~= '' then next_cursor = wfa_cursor_encode('c' .. sync) end
return {'ok', fields(ids), next_cursor, wfa_cursor_encode('c' .. sync)}
