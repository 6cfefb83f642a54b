#!lua
-- monev_checkin.lua: check in or out on an approved flexible day, once.
-- KEYS     the pemda's prefix, the employee's check-ins (mv:ci:NIP), the
--          employee (emp:NIP), the pemda's Ramadan days (ramadan), the
--          idempotency key (idem:checkin:NIP:ACTION:KEY)
-- ARGV[1]  a msgpack map: nip, date (the pemda's local day), action
--          ("in"|"out"), at (ms), minute (local minutes since midnight),
--          work_start (minutes), grace (minutes), lat, lon (degrees, absent
--          when not given), radius (m), offices ("LAT,LON;..." in degrees:
--          the OPD's office first, then every office of the pemda), ttl (of
--          the idempotency key, s), ramadan_start (minutes: the start on a
--          Ramadan day of the calendar), before (the local day before date:
--          a check-out after a night shift closes it)
-- A check-in refused with NOT_FLEXIBLE_DAY is recorded as unilateral work
-- (wfa_mv_unilateral: once per employee and day, the atasan told).
-- Returns  {"ok"|"dup", "STATUS|WHERE|DISTANCE|DATE"} for "in", {"ok"|"dup",
--          "out|DATE"} for "out", or {"err", CODE, detail}. STATUS: on_time | late;
--          WHERE: inside | outside | no_location (no coordinates sent) |
--          no_reference (no home or office on record) | none (no geofence
--          for the kind); DISTANCE in whole metres, -1 when not measured.
local p, ck, ekey, ramadan, idem = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local a = cmsgpack.unpack(ARGV[1])
local nip, date, action, at = a.nip, a.date, a.action, a.at
local minute, start, grace = tonumber(a.minute), tonumber(a.work_start), tonumber(a.grace)
local lat, lon, radius, offices = tonumber(a.lat), tonumber(a.lon), tonumber(a.radius), a.offices or ''
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end

-- After a night shift (a schedule that ends before it starts, dated by its start) the
-- check-out falls on the next local day: it closes the open check-in of the day before
if action == 'out' and (a.before or '') ~= '' and not redis.call('HGET', ck, date) then
    local before = a.before
    local prior = wfa_mv_flex_day(p, nip, before)
    local open = redis.call('HGET', ck, before)
    if prior and open and wfa_split_bar(open)[2] == '' then
        local at_before = string.find(prior.schedule, before .. '=', 1, true)
        local h1, m1, h2, m2
        if at_before then
            h1, m1, h2, m2 = string.match(prior.schedule, '^(%d%d):(%d%d)%-(%d%d):(%d%d)', at_before + #before + 1)
        end
        if h1 and tonumber(h2) * 60 + tonumber(m2) <= tonumber(h1) * 60 + tonumber(m1) then date = before end
    end
end

local day = wfa_mv_flex_day(p, nip, date)
if not day then
    -- Checking in without approval: work nobody allowed, made visible
    if action == 'in' then wfa_mv_unilateral(p, nip, date, at, 'checkin') end
    return {'err', 'NOT_FLEXIBLE_DAY', date}
end
local record = redis.call('HGET', ck, date)
if action == 'out' then
    if not record then return {'err', 'BAD_STATE', 'no check-in on ' .. date} end
    local f = wfa_split_bar(record)
    if f[2] ~= '' then return {'err', 'ALREADY_RECORDED', 'check-out ' .. date} end
    f[2] = at
    redis.call('HSET', ck, date, table.concat(f, '|'))
    wfa_idem_set(idem, a.fp, 'out|' .. date, a.ttl)
    return {'ok', 'out|' .. date}
end
if record then return {'err', 'ALREADY_RECORDED', 'check-in ' .. date} end
-- A Ramadan day of the pemda calendar starts at the Ramadan start; a time
-- kind's day starts when its schedule says
-- (the date's '-' would be a pattern operator: found as plain text first)
if a.ramadan_start and redis.call('HEXISTS', ramadan, date) == 1 then start = tonumber(a.ramadan_start) end
local hh, mm
local at_date = string.find(day.schedule, date .. '=', 1, true)
if at_date then hh, mm = string.match(day.schedule, '^(%d%d):(%d%d)', at_date + #date + 1) end
if hh then start = tonumber(hh) * 60 + tonumber(mm) end
local status = 'on_time'
if minute > start + grace then status = 'late' end
local kind, opd = day.kind, day.opd
local where, distance = 'none', -1
if kind == 'rumah' or kind == 'kantor_lain' then
    local refs = {}
    if kind == 'rumah' then
        local home = redis.call('HGET', ekey, 'home_geo') or ''
        local y, x = string.match(home, '^%s*([-%d.]+)%s*,%s*([-%d.]+)%s*$')
        if y then refs[1] = {tonumber(y), tonumber(x)} end
    else
        for y, x in string.gmatch(offices, '([-%d.]+),([-%d.]+)') do refs[#refs + 1] = {tonumber(y), tonumber(x)} end
    end
    if not lat or not lon then
        where = 'no_location'
    elseif #refs == 0 then
        where = 'no_reference'
    else
        for _, ref in ipairs(refs) do
            local d = wfa_mv_distance(lat, lon, ref[1], ref[2])
            if distance < 0 or d < distance then distance = d end
        end
        distance = math.floor(distance + 0.5)
        where = 'outside'
        if distance <= radius then where = 'inside' end
    end
end
redis.call('HSET', ck, date, table.concat({at, '', status, where, tostring(distance), kind, day.request_id,
                                           a.lat or '', a.lon or ''}, '|'))
wfa_mv_add(p, date, opd, nip, 'ci_' .. status, 1)
if where ~= 'inside' and where ~= 'none' then wfa_mv_add(p, date, opd, nip, 'ci_flagged', 1) end
local answer = status .. '|' .. where .. '|' .. distance .. '|' .. date
wfa_idem_set(idem, a.fp, answer, a.ttl)
return {'ok', answer}
