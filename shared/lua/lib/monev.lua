-- Monev counters: per local day D of a pemda, the hash mv:c:D holds each
-- figure F three times: F (the pemda), o:OPD:F and n:NIP:F; per month M,
-- mv:t:M holds the targets the same way. mv:days and mv:months list the
-- days and months that have figures. Every raw record (check-in, report,
-- e-kinerja item, approved flexible day) moves these in the same step that
-- writes it, and monev_rebuild.lua recomputes them from the raw records
-- into the mv:r: namespace (wfa_mv_ns) to compare.
local wfa_mv_ns = 'mv:'
local function wfa_mv_add(p, date, opd, nip, field, n)
    if n == 0 then return end
    local c = p .. wfa_mv_ns .. 'c:' .. date
    if wfa_mv_ns == 'mv:' then
        -- Whose records the figures hold (a rebuild reads them all, even of
        -- people since moved away), and a count of writes (a rebuild that
        -- saw it move does not put its figures in force)
        redis.call('SADD', p .. 'mv:people', nip)
        redis.call('INCR', p .. 'mv:writes')
    end
    redis.call('HINCRBY', c, field, n)
    redis.call('HINCRBY', c, 'o:' .. opd .. ':' .. field, n)
    redis.call('HINCRBY', c, 'n:' .. nip .. ':' .. field, n)
    redis.call('ZADD', p .. wfa_mv_ns .. 'days', tonumber((string.gsub(date, '-', ''))), date)
end

local function wfa_mv_target(p, month, opd, nip, n)
    local t = p .. wfa_mv_ns .. 't:' .. month
    if wfa_mv_ns == 'mv:' then
        redis.call('SADD', p .. 'mv:people', nip)
        redis.call('INCR', p .. 'mv:writes')
    end
    redis.call('HINCRBY', t, 'target', n)
    redis.call('HINCRBY', t, 'o:' .. opd .. ':target', n)
    redis.call('HINCRBY', t, 'n:' .. nip .. ':target', n)
    redis.call('ZADD', p .. wfa_mv_ns .. 'months', tonumber((string.gsub(month, '-', ''))), month)
end

-- The approved request that makes date a flexible day of nip, or nil:
-- {request_id, kind, opd, schedule}. A request cancelled or revoked from
-- a later date keeps the days before it.
local function wfa_mv_flex_day(p, nip, date)
    local id = redis.call('HGET', p .. 'days:' .. nip, date)
    if not id then return nil end
    local r = redis.call('HMGET', p .. 'req:' .. id, 'state', 'kind', 'opd', 'schedule', 'ended_from')
    local kept = (r[1] == 'cancelled' or r[1] == 'revoked') and (r[5] or '') ~= '' and date < r[5]
    if r[1] ~= 'approved' and not kept then return nil end
    return {id, r[2], r[3], r[4] or ''}
end

-- Metres between two points given in degrees (haversine, mean Earth radius).
local function wfa_mv_distance(lat1, lon1, lat2, lon2)
    local rad = math.pi / 180
    local dlat, dlon = (lat2 - lat1) * rad, (lon2 - lon1) * rad
    local a = math.sin(dlat / 2) ^ 2 + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin(dlon / 2) ^ 2
    return 2 * 6371000 * math.asin(math.min(1, math.sqrt(a)))
end

-- The fields of a '|'-joined record, empty ones kept.
local function wfa_split_bar(text)
    local out = {}
    for field in string.gmatch(text .. '|', '([^|]*)|') do out[#out + 1] = field end
    return out
end

-- A request's flexible days as the figures count them: every date of an
-- approved request; of one cancelled or revoked after approval, the dates
-- before it ended. r: HMGET of state, dates, ended_from; approved: whether
-- it was ever approved.
local function wfa_mv_request_days(r, approved)
    local out = {}
    if not approved then return out end
    for date in string.gmatch(r[2] or '', '[^,]+') do
        if r[1] == 'approved' or (r[3] or '') ~= '' and date < r[3] then out[#out + 1] = date end
    end
    return out
end

local function wfa_mv_location(kind)
    return kind == 'rumah' or kind == 'kantor_lain' or kind == 'lokasi_lain'
end
