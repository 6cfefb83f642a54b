#!lua
-- inbox_read.lua: mark entries of a person's own inbox read (INBOX.READ):
-- the ones named, or all that are unread now, up to 1,000 a call (entries
-- arriving later stay unread). An entry read before keeps when it was first read; an id that is
-- no entry of this inbox is left alone and answered in `unknown`.
-- KEYS     the pemda's prefix, the inbox (inbox:NIP), its unread entries
--          (inboxu:NIP), when each was read (inboxr:NIP), the idempotency
--          record (idem:inbox_read:NIP:KEY)
-- ARGV[1]  a msgpack map: ids (array of entry ids; absent with all), all
--          (true: every unread entry), now (ms), fp, ttl (s)
-- Returns  {"ok"|"dup", marked, unknown (array), unread_count}
local inbox, unread, read_at, idem = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local a = cmsgpack.unpack(ARGV[1])

local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then
    -- The first answer: how many it marked, which ids it did not know
    local marked, unknown = string.match(previous, '^(%d+)|(.*)$')
    local ids = {}
    if unknown and unknown ~= '' then ids = wfa_split(unknown) end
    return {'dup', tonumber(marked) or 0, ids, redis.call('ZCARD', unread)}
end

local ids = a.ids or {}
-- all: at most 1,000 of them, the oldest first, so that one call stays a short step
-- whatever the inbox holds (unread_count then says how many are left for the next)
if a.all then ids = redis.call('ZRANGE', unread, 0, 999) end
local marked, unknown = 0, {}
for _, id in ipairs(ids) do
    if redis.call('HEXISTS', inbox, id) == 0 then
        unknown[#unknown + 1] = id
    elseif redis.call('ZREM', unread, id) == 1 then
        redis.call('HSET', read_at, id, a.now)
        marked = marked + 1
    end
end
wfa_idem_set(idem, a.fp, marked .. '|' .. table.concat(unknown, ','), a.ttl)
return {'ok', marked, unknown, redis.call('ZCARD', unread)}
