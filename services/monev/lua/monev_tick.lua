#!lua
-- monev_tick.lua: the time-driven part of monev for one pemda, each part
-- done once however many monev instances run it.
-- KEYS     the pemda's prefix, then for action "remind": who works flexibly
--            today (mv:flexset:TODAY), who was reminded today
--            (mv:reminded:TODAY); for action "evaluate": the week's mark
--            (mv:evaluated:WEEK), the suspended (mv:suspended), the weeks
--            below running (mv:streak)
-- ARGV[1]  a msgpack map: action, now (ms), today (local), then
--          for "remind": due ("1" when the pemda's reminder time has come),
--            opds ("OPD=0|1;..." for each OPD with its own deadline) —
--            reminds everyone whose time has come, with an approved
--            flexible day today and no daily report yet
--          for "evaluate": week (YYYY-Www, the last whole week),
--            min_compliance, min_report (percent), flag_after (weeks),
--            suspend_until (YYYY-MM-DD, "" for no suspension),
--            policy_version, own (the OPDs with their own settings,
--            "OPD:MIN_C:MIN_R:FLAG_AFTER:SUSPEND_UNTIL;..."), dates (the
--            week's 7 dates, comma-separated)
-- Returns  {"ok", reminded} (how many people) for remind, {"ok", judged,
--          below, flagged, lifted} for evaluate, {"dup", week} when this
--          week was evaluated before.
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local now, today = tonumber(a.now), a.today
if a.action == 'remind' then
    local flexset, reminded = KEYS[2], KEYS[3]
    local due_all = a.due == '1'
    local due = {}
    for opd, flag in string.gmatch(a.opds or '', '([^;=]+)=([01])') do due[opd] = flag == '1' end
    local count = 0
    for _, nip in ipairs(redis.call('SMEMBERS', flexset)) do
        local opd = redis.call('HGET', p .. 'emp:' .. nip, 'opd') or ''
        local time_has_come = due_all
        if due[opd] ~= nil then time_has_come = due[opd] end
        if time_has_come and redis.call('HEXISTS', p .. 'mv:rep:' .. nip, today) == 0 and wfa_mv_flex_day(p, nip, today)
        and redis.call('SADD', reminded, nip) == 1 then
            redis.call('XADD', p .. 'events', '*', 'type', 'report.reminder', 'data', cmsgpack.pack({
                nip = nip, date = today, notify = {nip}, request_id = '', at = now}))
            count = count + 1
        end
    end
    redis.call('EXPIRE', reminded, 172800)
    return {'ok', count}
end
local evaluated, suspended, streaks = KEYS[2], KEYS[3], KEYS[4]
local week = a.week
local min_c, min_r, flag_after = tonumber(a.min_compliance), tonumber(a.min_report), tonumber(a.flag_after)
local suspend_until, policy = a.suspend_until or '', a.policy_version
-- An OPD's own settings, where the policy gives them
local own = {}
for opd, c, r, f, s in string.gmatch(a.own or '', '([^:;]+):(%d+):(%d+):(%d+):([^;]*)') do
    own[opd] = {tonumber(c), tonumber(r), tonumber(f), s}
end
if redis.call('SETNX', evaluated, now) == 0 then return {'dup', week} end
local dates = wfa_split(a.dates)
-- Lift suspensions that have run out
local lifted = 0
for _, nip in ipairs(redis.call('SMEMBERS', suspended)) do
    local until_ = redis.call('HGET', p .. 'emp:' .. nip, 'suspended_until')
    if not until_ or until_ < today then
        redis.call('HDEL', p .. 'emp:' .. nip, 'suspended_until')
        redis.call('SREM', suspended, nip)
        wfa_audit(p, now, '', 'system', 'system', nip, 'suspension_lifted', 'suspended', 'eligible',
                  'until ' .. (until_ or '?'), policy)
        redis.call('XADD', p .. 'events', '*', 'type', 'monev.lifted', 'data', cmsgpack.pack({
            nip = nip, notify = {nip}, request_id = '', at = now}))
        lifted = lifted + 1
    end
end
-- Everyone who worked flexibly in the week
local people, seen = {}, {}
for _, date in ipairs(dates) do
    for _, nip in ipairs(redis.call('SMEMBERS', p .. 'mv:flexset:' .. date)) do
        if not seen[nip] then seen[nip] = true; people[#people + 1] = nip end
    end
end
table.sort(people)
local judged, below, flagged = 0, 0, 0
for _, nip in ipairs(people) do
    local flex, on_time, reports = 0, 0, 0
    local opd = redis.call('HGET', p .. 'emp:' .. nip, 'opd') or ''
    local rules = own[opd] or {min_c, min_r, flag_after, suspend_until}
    for _, date in ipairs(dates) do
        local n = 'n:' .. nip .. ':'
        local v = wfa_hmget(p .. 'mv:c:' .. date, n .. 'flex', n .. 'ci_on_time', n .. 'rep_sub')
        flex = flex + tonumber(v[n .. 'flex'] or 0)
        on_time = on_time + tonumber(v[n .. 'ci_on_time'] or 0)
        reports = reports + tonumber(v[n .. 'rep_sub'] or 0)
    end
    if flex > 0 then
        judged = judged + 1
        local compliance, rate = on_time * 100 / flex, reports * 100 / flex
        local streak = 0
        if compliance < rules[1] or rate < rules[2] then
            below = below + 1
            streak = redis.call('HINCRBY', streaks, nip, 1)
        else
            redis.call('HDEL', streaks, nip)
        end
        if streak >= rules[3] then
            flagged = flagged + 1
            redis.call('HDEL', streaks, nip)
            local e = wfa_hmget(p .. 'emp:' .. nip, 'supervisor_nip', 'name')
            local notify = {}
            if e.supervisor_nip and e.supervisor_nip ~= '' then notify[1] = e.supervisor_nip end
            for _, officer in ipairs(redis.call('SMEMBERS', p .. 'role:bkd')) do
                if officer ~= nip then notify[#notify + 1] = officer end
            end
            local why = string.format('%s: %d weeks below (compliance %.0f%% < %d%% or reports %.0f%% < %d%%)',
                                      week, streak, compliance, rules[1], rate, rules[2])
            wfa_audit(p, now, '', 'system', 'system', nip, 'monev_flag', '', '', why, policy)
            local until_ = rules[4]
            if until_ ~= '' then
                redis.call('HSET', p .. 'emp:' .. nip, 'suspended_until', until_)
                redis.call('SADD', suspended, nip)
                wfa_audit(p, now, '', 'system', 'system', nip, 'suspend', 'eligible', 'suspended',
                          'until ' .. until_ .. ': ' .. why, policy)
                notify[#notify + 1] = nip
            end
            redis.call('XADD', p .. 'events', '*', 'type', 'monev.flagged', 'data', cmsgpack.pack({
                nip = nip, name = e.name or '', week = week, weeks = streak, notify = notify,
                request_id = '', at = now, suspended_until = until_}))
        end
    end
end
return {'ok', judged, below, flagged, lifted}
