#!lua flags=no-writes
-- monev_get.lua: kept figures of one scope over days and months.
-- KEYS     the pemda's prefix (the figures' keys are made from it, one per
--          day and month of the span)
-- ARGV[1]  a msgpack map: mode ("all" | "rhk": the RHK figures only |
--          "first": the pemda's first flexible day), scope ("" the pemda,
--          "o:OPD:" an OPD, "n:NIP:" an employee), and but for "first":
--          fields (an array of field names), days (an array of YYYY-MM-DD),
--          day_buckets (per day, the 1-based number of the period it is in),
--          months (an array of YYYY-MM), month_buckets (per month; 0: the
--          month's targets are in no period)
-- Returns  "first": {"ok", the first day (YYYY-MM-DD) with an approved
--          flexible day in the pemda, or ""}. Else {"ok", day rows, steps,
--          requests, heads, rhk}: a row per day, the values of the fields in
--          order (0 when absent); per
--          day and approval role (atasan, kepala_opd, bkd) the waits of the
--          steps decided that day, as {wait_ms, sla_ms} pairs (not for an
--          employee's scope); per day the request counters (approved,
--          rejected, revoked) of the pemda or OPD; the people of the scope
--          on record now (service accounts left out; 1 for an employee);
--          per period, the figures of each NIP|RHK pair of the scope, as
--          {pair, realized, realized on flexible days, target, the NIP's
--          flexible days in the period}. In "rhk" mode the first three are
--          empty.
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local mode, scope = a.mode, a.scope or ''
if mode == 'first' then
    for _, day in ipairs(redis.call('ZRANGE', p .. 'mv:days', 0, -1)) do
        if tonumber(redis.call('HGET', p .. 'mv:c:' .. day, 'flex') or '0') > 0 then return {'ok', day} end
    end
    return {'ok', ''}
end
local fields = {}
for i, field in ipairs(a.fields or {}) do fields[i] = scope .. field end
local n = #fields
local days, day_bucket = a.days or {}, a.day_buckets or {}
local months, month_bucket = a.months or {}, a.month_buckets or {}
local d, m = #days, #months

local opd = string.match(scope, '^o:(.+):$')
local person = string.sub(scope, 1, 2) == 'n:'

-- HMGET of many fields, in slices (unpack has a limit)
local function hmget(key, list)
    local out = {}
    for first = 1, #list, 1000 do
        local slice = {}
        for j = first, math.min(#list, first + 999) do slice[#slice + 1] = list[j] end
        local v = redis.call('HMGET', key, unpack(slice))
        for j = 1, #v do out[first + j - 1] = tonumber(v[j] or 0) end
    end
    return out
end

local rows, steps, requests = {}, {}, {}
if mode == 'all' then
    for i = 1, d do
        local v = {}
        if n > 0 then v = hmget(p .. 'mv:c:' .. days[i], fields) end
        rows[i] = v
        local per_role = {}
        for r, role in ipairs({'atasan', 'kepala_opd', 'bkd'}) do
            local key = p .. 'mv:step:' .. days[i] .. ':' .. role
            if opd then key = key .. ':' .. opd end
            local waits = {}
            if not person then
                local z = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
                for j = 1, #z, 2 do
                    local sla = string.match(z[j], '|([^|]*)$')
                    waits[#waits + 1] = tonumber(z[j + 1])
                    waits[#waits + 1] = tonumber(sla or '0')
                end
            end
            per_role[r] = waits
        end
        steps[i] = per_role
        local prefix = ''
        if opd then prefix = 'opd:' .. opd .. ':' end
        local c = {0, 0, 0}
        if not person then
            c = redis.call('HMGET', p .. 'm:day:' .. days[i], prefix .. 'approved', prefix .. 'rejected', prefix .. 'revoked')
            for j = 1, 3 do c[j] = tonumber(c[j] or 0) end
        end
        requests[i] = c
    end
end
local heads = 1
if not person then heads = wfa_mv_people(p, opd) end

-- The RHK figures: pairs of the scope, summed by period
local suffix = ''
if opd then suffix = ':o:' .. opd elseif person then suffix = ':n:' .. string.match(scope, '^n:(.+):$') end
local pairs_ = redis.call('SMEMBERS', p .. 'mv:pairs' .. suffix)
table.sort(pairs_)
local nips, nip_index, pair_nip = {}, {}, {}
local q_fields, qf_fields, t_fields, flex_fields = {}, {}, {}, {}
for j, pair in ipairs(pairs_) do
    local nip = string.match(pair, '^([^|]*)')
    if not nip_index[nip] then
        nips[#nips + 1] = nip
        nip_index[nip] = #nips
        flex_fields[#nips] = 'n:' .. nip .. ':flex'
    end
    pair_nip[j] = nip_index[nip]
    q_fields[j] = scope .. 'q:' .. pair
    qf_fields[j] = scope .. 'qf:' .. pair
    t_fields[j] = scope .. 't:' .. pair
end
local sums, flex = {}, {}     -- by period: pair -> {q, qf, t}; nip -> flexible days
local function sum_of(b, j)
    sums[b] = sums[b] or {}
    local s = sums[b][j]
    if not s then s = {0, 0, 0}; sums[b][j] = s end
    return s
end
if #pairs_ > 0 then
    for i = 1, d do
        local b = day_bucket[i]
        local key = p .. 'mv:c:' .. days[i]
        local q, qf = hmget(key, q_fields), hmget(key, qf_fields)
        for j = 1, #pairs_ do
            if q[j] ~= 0 or qf[j] ~= 0 then
                local s = sum_of(b, j)
                s[1], s[2] = s[1] + q[j], s[2] + qf[j]
            end
        end
        local f = hmget(key, flex_fields)
        flex[b] = flex[b] or {}
        for k = 1, #nips do
            if f[k] ~= 0 then flex[b][k] = (flex[b][k] or 0) + f[k] end
        end
    end
    for i = 1, m do
        local b = month_bucket[i]
        if b > 0 then
            local t = hmget(p .. 'mv:t:' .. months[i], t_fields)
            for j = 1, #pairs_ do
                if t[j] ~= 0 then
                    local s = sum_of(b, j)
                    s[3] = s[3] + t[j]
                end
            end
        end
    end
end
local rhk, buckets = {}, 0
for b in pairs(sums) do if b > buckets then buckets = b end end
for b = 1, buckets do
    local list = {}
    for j = 1, #pairs_ do
        local s = sums[b] and sums[b][j]
        if s and (s[1] ~= 0 or s[3] ~= 0) then
            list[#list + 1] = {pairs_[j], s[1], s[2], s[3], (flex[b] or {})[pair_nip[j]] or 0}
        end
    end
    rhk[b] = list
end
return {'ok', rows, steps, requests, heads, rhk}
