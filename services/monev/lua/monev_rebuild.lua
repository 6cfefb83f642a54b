#!lua
-- monev_rebuild.lua: recompute the figures of some employees from their raw
-- records into the mv:r: namespace (monev_compare.lua compares it with the
-- kept figures). The caller first clears mv:r: (action "clear"), then runs
-- "employees" over every employee of the pemda, a batch at a time.
-- KEYS     the pemda's prefix, the count of writes to the kept figures
--          (mv:writes); the figures' and the records' keys are made from the
--          prefix (a batch names many employees and days)
-- ARGV[1]  a msgpack map: action ("clear" | "employees"), nips (for
--          "employees": an array of NIPs)
-- Returns  {"ok", writes} for "clear", the count of writes to the kept
--          figures so far; {"ok", read} for "employees", the number of raw
--          records read
local p, writes = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
if a.action == 'clear' then
    -- (the caller holds the pemda's rebuild lock: one rebuild at a time)
    for _, ns in ipairs({'days', 'months'}) do
        local list = redis.call('ZRANGE', p .. 'mv:r:' .. ns, 0, -1)
        local kind = 'c:'
        if ns == 'months' then kind = 't:' end
        for _, d in ipairs(list) do redis.call('DEL', p .. 'mv:r:' .. kind .. d) end
        redis.call('DEL', p .. 'mv:r:' .. ns)
    end
    return {'ok', tonumber(redis.call('GET', writes) or '0')}
end
-- The library's namespace is kept between calls (one Lua state runs every
-- step): set for this step only, and put back even when a command fails
wfa_mv_ns = 'mv:r:'
local read = 0
local done, failure = pcall(function()
for _, nip in ipairs(a.nips or {}) do
    -- Flexible days, from the requests (a service account has none)
    local requests = redis.call('ZRANGE', p .. 'idx:nip:' .. nip, 0, -1)
    if wfa_mv_service(redis.call('HGET', p .. 'emp:' .. nip, 'roles')) then requests = {} end
    for _, id in ipairs(requests) do
        local r = wfa_hmget(p .. 'req:' .. id, 'state', 'dates', 'ended_from', 'kind', 'opd')
        local approved = r.state == 'approved'
        if not approved and (r.state == 'cancelled' or r.state == 'revoked') then
            for _, h in ipairs(redis.call('LRANGE', p .. 'req:' .. id .. ':hist', 0, -1)) do
                if cmsgpack.unpack(h).to == 'approved' then approved = true end
            end
        end
        for _, date in ipairs(wfa_mv_request_days(r, approved)) do
            wfa_mv_add(p, date, r.opd, nip, 'flex', 1)
            if wfa_mv_location(r.kind) then wfa_mv_add(p, date, r.opd, nip, 'flex_loc', 1) end
        end
        read = read + 1
    end
    -- Check-ins: at|out|status|where|distance|kind|request_id|lat|lon
    local ci = redis.call('HGETALL', p .. 'mv:ci:' .. nip)
    for j = 1, #ci, 2 do
        local f = wfa_split_bar(ci[j + 1])
        local opd = redis.call('HGET', p .. 'req:' .. f[7], 'opd') or ''
        wfa_mv_add(p, ci[j], opd, nip, 'ci_' .. f[3], 1)
        if f[4] ~= 'inside' and f[4] ~= 'none' then wfa_mv_add(p, ci[j], opd, nip, 'ci_flagged', 1) end
        read = read + 1
    end
    -- Daily reports; the accepted ones' quantities by RHK and day
    local lkh = {}
    local rep = redis.call('HGETALL', p .. 'mv:rep:' .. nip)
    for j = 1, #rep, 2 do
        local report, date = cmsgpack.unpack(rep[j + 1]), rep[j]
        wfa_mv_add(p, date, report.opd, nip, 'rep_sub', 1)
        if report.late then wfa_mv_add(p, date, report.opd, nip, 'rep_late', 1) end
        for _, h in ipairs(report.history) do
            if h.action == 'return' then wfa_mv_add(p, date, report.opd, nip, 'rep_ret', 1) end
        end
        if report.state == 'accepted' then
            wfa_mv_add(p, date, report.opd, nip, 'rep_acc', 1)
            for _, rhk in ipairs(wfa_mv_report_rhks(report)) do
                lkh[date .. '|' .. rhk] = {wfa_mv_lkh(report, rhk), report.opd}
            end
        end
        read = read + 1
    end
    -- e-kinerja logs (date|source|id -> quantity|rhk|flex|opd) by RHK and day
    local ek = {}
    local real = redis.call('HGETALL', p .. 'mv:real:' .. nip)
    for j = 1, #real, 2 do
        local date = string.match(real[j], '^([^|]*)')
        local f = wfa_split_bar(real[j + 1])
        local day = date .. '|' .. f[2]
        local e = ek[day]
        if not e then
            ek[day] = {tonumber(f[1]), tonumber(f[3]), f[4]}
        else
            e[1], e[2] = e[1] + tonumber(f[1]), math.max(e[2], tonumber(f[3]))
            if f[4] < e[3] then e[3] = f[4] end
        end
        read = read + 1
    end
    -- Each day's RHK once: the larger of the LKH and the logs
    for day, l in pairs(lkh) do
        local date, rhk = string.match(day, '^([^|]*)|(.*)$')
        wfa_mv_rhk_move(p, date, nip, rhk, {0, 0, ''}, wfa_mv_rhk_count(l[1], l[2], ek[day]))
    end
    for day, e in pairs(ek) do
        if not lkh[day] then
            local date, rhk = string.match(day, '^([^|]*)|(.*)$')
            wfa_mv_rhk_move(p, date, nip, rhk, {0, 0, ''}, wfa_mv_rhk_count(nil, '', e))
        end
    end
    local tgt = redis.call('HGETALL', p .. 'mv:tgt:' .. nip)
    for j = 1, #tgt, 2 do
        local month, rhk = string.match(tgt[j], '^([^|]*)|(.*)$')
        local f = wfa_split_bar(tgt[j + 1])
        wfa_mv_target(p, month, f[2], nip, 't:' .. nip .. '|' .. rhk, tonumber(f[1]))
        wfa_mv_pair(p, f[2], nip, rhk)
        read = read + 1
    end
    -- Work on days without approval (date -> at|what|opd)
    local uni = redis.call('HGETALL', p .. 'mv:uni:' .. nip)
    for j = 1, #uni, 2 do
        wfa_mv_add(p, uni[j], wfa_split_bar(uni[j + 1])[3], nip, 'uni', 1)
        read = read + 1
    end
end
end)
wfa_mv_ns = 'mv:'
if not done then error(failure) end
return {'ok', read}
