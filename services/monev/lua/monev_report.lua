#!lua
-- monev_report.lua: a daily report (LKH) on an approved flexible day, and
-- its verification by the atasan.
-- KEYS     the pemda's prefix, the employee's reports (mv:rep:NIP), the
--          idempotency key (idem:report:NIP:DATE:KEY for "submit",
--          idem:verify:ACTOR:NIP:DATE:KEY for "verify")
-- ARGV[1]  a msgpack map: action, nip, date, at (ms), ttl (of the
--          idempotency key, s), then
--          for action "submit": late ("1" past the pemda's deadline),
--            activities (msgpack array of maps), quantity (the sum of the
--            activities' quantities: each is tied to an RHK or a plan item),
--            supervisor (the atasan who verifies it)
--          for action "verify": as (the verifier), decision ("accept" |
--            "return"), note, today (the pemda's local day: a Plt/Plh the
--            atasan named for today verifies for them)
-- Returns  {"ok"|"dup", state} or {"err", CODE, detail}. States: submitted,
--          accepted, returned. A returned report may be submitted again; it
--          is counted once. An accepted report adds its quantities, RHK by
--          RHK, to the figures of its day (q:, qf:; wfa_mv_rhk_move), once
--          with e-kinerja logs of the same RHK and day. A report refused
--          with NOT_FLEXIBLE_DAY is recorded as unilateral work.
local p, rk, idem = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local nip, date, at = a.nip, a.date, tonumber(a.at)
if a.action == 'submit' then
    local previous, reused = wfa_idem_get(idem, a.fp)
    if reused then return reused end
    if previous then return {'dup', previous} end
    local day = wfa_mv_flex_day(p, nip, date)
    if not day then
        wfa_mv_unilateral(p, nip, date, a.at, 'report')
        return {'err', 'NOT_FLEXIBLE_DAY', date}
    end
    local old = redis.call('HGET', rk, date)
    local report
    if old then
        report = cmsgpack.unpack(old)
        if report.state ~= 'returned' then return {'err', 'ALREADY_RECORDED', 'report ' .. date .. ': ' .. report.state} end
    else
        report = {history = {}}
        wfa_mv_add(p, date, day.opd, nip, 'rep_sub', 1)
        if a.late == '1' then wfa_mv_add(p, date, day.opd, nip, 'rep_late', 1) end
        report.late = a.late == '1'
        report.opd = day.opd
        report.request_id = day.request_id
    end
    report.state = 'submitted'
    report.submitted_at = at
    report.activities = cmsgpack.unpack(a.activities)
    report.quantity = tonumber(a.quantity)
    report.supervisor = a.supervisor
    report.history[#report.history + 1] = {at = at, actor = nip, action = 'submit', note = ''}
    redis.call('HSET', rk, date, cmsgpack.pack(report))
    -- A deactivated atasan verifies nothing: the report waits in nobody's
    -- queue (nor notifies them) until the employee's atasan is active
    local notify = {}
    if not wfa_inactive(p, a.supervisor) then
        redis.call('ZADD', p .. 'mv:rep:pending:' .. a.supervisor, at, nip .. '|' .. date)
        notify = {a.supervisor}
    end
    redis.call('XADD', p .. 'events', '*', 'type', 'report.submitted', 'data', cmsgpack.pack({
        nip = nip, date = date, supervisor_nip = a.supervisor, opd = day.opd, at = at,
        notify = notify, request_id = day.request_id}))
    wfa_idem_set(idem, a.fp, 'submitted', a.ttl)
    return {'ok', 'submitted'}
end
-- verify
local actor, decision, note = a.as, a.decision, a.note or ''
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
local old = redis.call('HGET', rk, date)
if not old then return {'err', 'NOT_FOUND', 'report ' .. nip .. ' ' .. date} end
local report = cmsgpack.unpack(old)
local on_behalf = ''
if actor ~= report.supervisor and wfa_delegated(p, report.supervisor, actor, a.today or '') then
    on_behalf = report.supervisor
end
-- A deactivated verifier, or the Plt of a deactivated atasan, verifies nothing
if (actor ~= report.supervisor and on_behalf == '') or actor == nip or wfa_inactive(p, actor) then
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
redis.call('XADD', p .. 'events', '*', 'type', 'report.' .. state, 'data', cmsgpack.pack({
    nip = nip, date = date, by = actor, note = note, opd = report.opd, at = at,
    notify = {nip}, request_id = report.request_id or ''}))
wfa_idem_set(idem, a.fp, state, a.ttl)
return {'ok', state}
