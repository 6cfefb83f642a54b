#!lua
-- monev_report.lua: a daily report (LKH) on an approved flexible day, and
-- its verification by the atasan.
-- KEYS[1]  key prefix of the pemda
-- ARGV     action "submit": nip, date, at (ms), late ("1" past the pemda's
--            deadline), activities (msgpack array of maps), quantity (the
--            sum of the activities' quantities: each is tied to an RHK or a
--            plan item), idem_key,
--            idem_ttl, supervisor
--          action "verify": nip, date, at, actor, decision ("accept" |
--            "return"), note, idem_key, idem_ttl, today (the pemda's local
--            day: a Plt/Plh the atasan named for today verifies for them)
-- Returns  {"ok"|"dup", state} or {"err", CODE, detail}. States: submitted,
--          accepted, returned. A returned report may be submitted again; it
--          is counted once. An accepted report adds its quantities, RHK by
--          RHK, to the figures of its day (q:, qf:; wfa_mv_rhk_move), once
--          with e-kinerja logs of the same RHK and day. A report refused
--          with NOT_FLEXIBLE_DAY is recorded as unilateral work.
local p = KEYS[1]
local action = ARGV[1]
local nip, date, at = ARGV[2], ARGV[3], tonumber(ARGV[4])
local rk = p .. 'mv:rep:' .. nip
if action == 'submit' then
    local idem = p .. 'idem:report:' .. nip .. ':' .. date .. ':' .. ARGV[8]
    local previous = redis.call('GET', idem)
    if previous then return {'dup', previous} end
    local day = wfa_mv_flex_day(p, nip, date)
    if not day then
        wfa_mv_unilateral(p, nip, date, ARGV[4], 'report')
        return {'err', 'NOT_FLEXIBLE_DAY', date}
    end
    local old = redis.call('HGET', rk, date)
    local report
    if old then
        report = cmsgpack.unpack(old)
        if report.state ~= 'returned' then return {'err', 'ALREADY_RECORDED', 'report ' .. date .. ': ' .. report.state} end
    else
        report = {history = {}}
        wfa_mv_add(p, date, day[3], nip, 'rep_sub', 1)
        if ARGV[5] == '1' then wfa_mv_add(p, date, day[3], nip, 'rep_late', 1) end
        report.late = ARGV[5] == '1'
        report.opd = day[3]
        report.request_id = day[1]
    end
    report.state = 'submitted'
    report.submitted_at = at
    report.activities = cmsgpack.unpack(ARGV[6])
    report.quantity = tonumber(ARGV[7])
    report.supervisor = ARGV[10]
    report.history[#report.history + 1] = {at = at, actor = nip, action = 'submit', note = ''}
    redis.call('HSET', rk, date, cmsgpack.pack(report))
    redis.call('ZADD', p .. 'mv:rep:pending:' .. ARGV[10], at, nip .. '|' .. date)
    redis.call('XADD', p .. 'events', '*', 'type', 'report.submitted', 'data', cmsgpack.pack({
        nip = nip, date = date, supervisor_nip = ARGV[10], opd = day[3], at = at,
        notify = {ARGV[10]}, request_id = day[1],
        message_id = 'Laporan kinerja harian ' .. date .. ' dari ' .. nip .. ' menunggu verifikasi Anda',
        message_en = 'The daily report of ' .. date .. ' from ' .. nip .. ' awaits your verification'}))
    redis.call('SET', idem, 'submitted', 'EX', ARGV[9])
    return {'ok', 'submitted'}
end
-- verify
local actor, decision, note = ARGV[5], ARGV[6], ARGV[7]
local idem = p .. 'idem:verify:' .. actor .. ':' .. nip .. ':' .. date .. ':' .. ARGV[8]
local previous = redis.call('GET', idem)
if previous then return {'dup', previous} end
local old = redis.call('HGET', rk, date)
if not old then return {'err', 'NOT_FOUND', 'report ' .. nip .. ' ' .. date} end
local report = cmsgpack.unpack(old)
local on_behalf = ''
if actor ~= report.supervisor then
    local d = redis.call('HMGET', p .. 'delegation:' .. report.supervisor, 'to', 'from', 'until')
    if d[1] == actor and d[2] <= ARGV[10] and ARGV[10] <= d[3] then on_behalf = report.supervisor end
end
if (actor ~= report.supervisor and on_behalf == '') or actor == nip then
    return {'err', 'NOT_YOUR_DECISION', 'report ' .. date}
end
if report.state ~= 'submitted' then return {'err', 'BAD_STATE', report.state .. ' -/-> ' .. decision} end
local state = 'accepted'
if decision == 'return' then state = 'returned' end
report.state = state
report.verified_at = at
report.verified_by = actor
report.on_behalf_of = on_behalf
report.note = note
report.history[#report.history + 1] = {at = at, actor = actor, action = decision, note = note}
redis.call('HSET', rk, date, cmsgpack.pack(report))
redis.call('ZREM', p .. 'mv:rep:pending:' .. report.supervisor, nip .. '|' .. date)
if state == 'accepted' then
    wfa_mv_add(p, date, report.opd, nip, 'rep_acc', 1)
    -- Each RHK's quantity, once with what e-kinerja logged of it that day
    for _, rhk in ipairs(wfa_mv_report_rhks(report)) do
        local ek = wfa_mv_ek(p, nip, date, rhk)
        wfa_mv_rhk_move(p, date, nip, rhk, wfa_mv_rhk_count(nil, '', ek),
                        wfa_mv_rhk_count(wfa_mv_lkh(report, rhk), report.opd, ek))
    end
else
    wfa_mv_add(p, date, report.opd, nip, 'rep_ret', 1)
end
local words = {accepted = {'diterima', 'accepted'}, returned = {'dikembalikan untuk diperbaiki', 'returned for revision'}}
local tail = ''
if note ~= '' then tail = ': ' .. string.sub(note, 1, 300) end
redis.call('XADD', p .. 'events', '*', 'type', 'report.' .. state, 'data', cmsgpack.pack({
    nip = nip, date = date, by = actor, note = note, opd = report.opd, at = at,
    notify = {nip}, request_id = report.request_id or '',
    message_id = 'Laporan kinerja harian ' .. date .. ' ' .. words[state][1] .. ' oleh ' .. actor .. tail,
    message_en = 'Your daily report of ' .. date .. ' was ' .. words[state][2] .. ' by ' .. actor .. tail}))
redis.call('SET', idem, state, 'EX', ARGV[9])
return {'ok', state}
