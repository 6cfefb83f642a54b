-- Monev counters: per local day D of a pemda, the hash mv:c:D holds each
-- figure F three times: F (the pemda), o:OPD:F and n:NIP:F; per month M,
-- mv:t:M holds the targets the same way (by RHK: see wfa_mv_pair). mv:days and mv:months list the
-- days and months that have figures. Every raw record (check-in, report,
-- e-kinerja item, approved flexible day) moves these in the same step that
-- writes it, and monev_rebuild.lua recomputes them from the raw records
-- into the mv:r: namespace (wfa_mv_ns, which only it changes, and puts back) to compare.
local wfa_mv_ns = 'mv:'
-- Add n to figure `field` of a period's hash (kind 'c:' a day's counters,
-- 't:' a month's targets) for the pemda, the OPD and the NIP, and list the
-- period in `index` (mv:days, mv:months).
local function wfa_mv_bump(p, kind, period, index, opd, nip, field, n)
    local h = p .. wfa_mv_ns .. kind .. period
    if wfa_mv_ns == 'mv:' then
        -- Whose records the figures hold (a rebuild reads them all, even of
        -- people since moved away), and a count of writes (a rebuild that
        -- saw it move does not put its figures in force)
        redis.call('SADD', p .. 'mv:people', nip)
        redis.call('INCR', p .. 'mv:writes')
    end
    redis.call('HINCRBY', h, field, n)
    redis.call('HINCRBY', h, 'o:' .. opd .. ':' .. field, n)
    redis.call('HINCRBY', h, 'n:' .. nip .. ':' .. field, n)
    redis.call('ZADD', p .. wfa_mv_ns .. index, tonumber((string.gsub(period, '-', ''))), period)
end

-- A day's counter figure.
local function wfa_mv_add(p, date, opd, nip, field, n)
    if n == 0 then return end
    wfa_mv_bump(p, 'c:', date, 'days', opd, nip, field, n)
end

-- A month's target figure of one employee's RHK (field t:NIP|RHK).
local function wfa_mv_target(p, month, opd, nip, field, n)
    wfa_mv_bump(p, 't:', month, 'months', opd, nip, field, n)
end

-- The approved request that makes date a flexible day of nip, or nil:
-- a table of request_id, kind, opd, schedule. A request cancelled or revoked from
-- a later date keeps the days before it. A service account (an
-- integrator) has no flexible day: it is no person.
local function wfa_mv_flex_day(p, nip, date)
    local id = redis.call('HGET', p .. 'days:' .. nip, date)
    if not id then return nil end
    local roles = redis.call('HGET', p .. 'emp:' .. nip, 'roles') or ''
    if string.find(';' .. roles .. ';', ';integrator;', 1, true) then return nil end
    local r = wfa_hmget(p .. 'req:' .. id, 'state', 'kind', 'opd', 'schedule', 'ended_from')
    local kept = (r.state == 'cancelled' or r.state == 'revoked') and (r.ended_from or '') ~= ''
                 and date < r.ended_from
    if r.state ~= 'approved' and not kept then return nil end
    return {request_id = id, kind = r.kind, opd = r.opd, schedule = r.schedule or ''}
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
-- before it ended. r: the request's state, dates, ended_from (by name);
-- approved: whether it was ever approved.
local function wfa_mv_request_days(r, approved)
    local out = {}
    if not approved then return out end
    for date in string.gmatch(r.dates or '', '[^,]+') do
        if r.state == 'approved' or (r.ended_from or '') ~= '' and date < r.ended_from then out[#out + 1] = date end
    end
    return out
end

local function wfa_mv_location(kind)
    return kind == 'rumah' or kind == 'kantor_lain' or kind == 'lokasi_lain'
end

-- Quantities by RHK. Each RHK has its own unit (documents, visits, ...), so
-- quantities of different RHKs are never added: the figures keep, per day,
-- q:NIP|RHK (realized) and qf:NIP|RHK (the part on flexible days), per
-- month t:NIP|RHK (the target), each at the three levels of wfa_mv_add;
-- the sets mv:pairs, mv:pairs:o:OPD and mv:pairs:n:NIP list the NIP|RHK
-- pairs a scope has figures of. An accepted LKH and e-kinerja logs of the
-- same employee, date and RHK report the same work: the day counts the
-- larger of the two, once. mv:q:NIP holds per DATE|RHK what the e-kinerja
-- logs sent: "SUM|FLEX|OPD" (FLEX 1 if a log came on a flexible day; OPD
-- the smallest code among the logs).
local function wfa_mv_pair(p, opd, nip, rhk)
    local pair = nip .. '|' .. rhk
    redis.call('SADD', p .. 'mv:pairs', pair)
    redis.call('SADD', p .. 'mv:pairs:o:' .. opd, pair)
    redis.call('SADD', p .. 'mv:pairs:n:' .. nip, pair)
end

-- The accepted LKH's quantity of an RHK (its activities for rhk), or nil.
local function wfa_mv_lkh(report, rhk)
    if not report or report.state ~= 'accepted' then return nil end
    local n, found = 0, false
    for _, a in ipairs(report.activities or {}) do
        if a.rhk == rhk then n, found = n + a.quantity, true end
    end
    if found then return n end
    return nil
end

-- The RHKs a report's activities serve, each once.
local function wfa_mv_report_rhks(report)
    local out, seen = {}, {}
    for _, a in ipairs(report.activities or {}) do
        if a.rhk and a.rhk ~= '' and not seen[a.rhk] then seen[a.rhk] = true; out[#out + 1] = a.rhk end
    end
    return out
end

-- The e-kinerja part of a day's RHK, {sum, flex, opd}, or nil.
local function wfa_mv_ek(p, nip, date, rhk)
    local v = redis.call('HGET', p .. 'mv:q:' .. nip, date .. '|' .. rhk)
    if not v then return nil end
    local f = wfa_split_bar(v)
    return {tonumber(f[1]), tonumber(f[2]), f[3]}
end

-- What a day's RHK counts, {quantity, flexible 0|1, opd}: the larger of the
-- accepted LKH (a flexible day's, of the request's OPD) and the e-kinerja
-- logs, once.
local function wfa_mv_rhk_count(lkh, lkh_opd, ek)
    if lkh then
        local q = lkh
        if ek and ek[1] > q then q = ek[1] end
        return {q, 1, lkh_opd}
    end
    if ek then return {ek[1], ek[2], ek[3]} end
    return {0, 0, ''}
end

-- Move the figures of a day's RHK from what it counted (old) to new.
local function wfa_mv_rhk_move(p, date, nip, rhk, old, new)
    local field = nip .. '|' .. rhk
    if old[3] ~= '' then
        wfa_mv_add(p, date, old[3], nip, 'q:' .. field, -old[1])
        wfa_mv_add(p, date, old[3], nip, 'qf:' .. field, -old[1] * old[2])
    end
    if new[3] ~= '' then
        wfa_mv_add(p, date, new[3], nip, 'q:' .. field, new[1])
        wfa_mv_add(p, date, new[3], nip, 'qf:' .. field, new[1] * new[2])
        wfa_mv_pair(p, new[3], nip, rhk)
    end
end

-- A service account (an integrator) is no person: never in a headcount, and
-- its NIP holds no monev records.
local function wfa_mv_service(roles)
    return string.find(';' .. (roles or '') .. ';', ';integrator;', 1, true) ~= nil
end

-- The people of an OPD, or of the whole pemda (opd nil), on record now:
-- service accounts left out.
local function wfa_mv_people(p, opd)
    local opds = {opd}
    if not opd then opds = redis.call('SMEMBERS', p .. 'opds') end
    local n = 0
    for _, o in ipairs(opds) do
        local members = p .. 'opd:' .. o
        n = n + redis.call('SCARD', members) - redis.call('SINTERCARD', 2, members, p .. 'role:integrator')
    end
    return n
end

-- Work on a day without approved flexible work (a check-in or a daily report
-- refused with NOT_FLEXIBLE_DAY): recorded once per employee and day in
-- mv:uni:NIP (date -> "at|what|opd"), counted as uni, and the atasan is
-- told by a monev.unilateral event. Service accounts are not recorded.
local function wfa_mv_unilateral(p, nip, date, at, what)
    local e = wfa_hmget(p .. 'emp:' .. nip, 'opd', 'supervisor_nip', 'name', 'roles')
    if not e.opd or wfa_mv_service(e.roles) then return end
    if redis.call('HSETNX', p .. 'mv:uni:' .. nip, date, at .. '|' .. what .. '|' .. e.opd) == 0 then return end
    wfa_mv_add(p, date, e.opd, nip, 'uni', 1)
    local notify = {}
    if e.supervisor_nip and e.supervisor_nip ~= '' then notify[1] = e.supervisor_nip end
    redis.call('XADD', p .. 'events', '*', 'type', 'monev.unilateral', 'data', cmsgpack.pack({
        nip = nip, name = e.name or '', date = date, what = what, opd = e.opd,
        supervisor_nip = e.supervisor_nip or '', notify = notify, request_id = '', at = tonumber(at)}))
end
