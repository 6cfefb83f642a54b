#!lua
-- monev_tick.lua: the time-driven part of monev for one pemda, each part
-- done once however many monev instances run it.
-- KEYS[1]  key prefix of the pemda
-- ARGV     action "remind": today (local), now_ms, due ("1" when the pemda's
--            reminder time has come), then OPD=0|1 for each OPD with its own
--            deadline — reminds everyone whose time has come, with an
--            approved flexible day today and no daily report yet
--          action "evaluate": week (YYYY-Www, the last whole week), now_ms,
--            min_compliance, min_report (percent), flag_after (weeks),
--            suspend_until (YYYY-MM-DD, "" for no suspension), today,
--            policy_version, the OPDs with their own settings
--            ("OPD:MIN_C:MIN_R:FLAG_AFTER:SUSPEND_UNTIL;..."), then the
--            week's 7 dates
-- Returns  the number of people reminded, or {judged, below, flagged,
--          lifted} for evaluate; {-1} when this week was evaluated before.
local p = KEYS[1]
local action = ARGV[1]
if action == 'remind' then
    local today, now, due_all = ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
    local due = {}
    for i = 5, #ARGV do
        local opd, flag = string.match(ARGV[i], '^(.*)=([01])$')
        if opd then due[opd] = flag == '1' end
    end
    local count = 0
    for _, nip in ipairs(redis.call('SMEMBERS', p .. 'mv:flexset:' .. today)) do
        local opd = redis.call('HGET', p .. 'emp:' .. nip, 'opd') or ''
        local time_has_come = due_all
        if due[opd] ~= nil then time_has_come = due[opd] end
        if time_has_come and redis.call('HEXISTS', p .. 'mv:rep:' .. nip, today) == 0 and wfa_mv_flex_day(p, nip, today)
        and redis.call('SADD', p .. 'mv:reminded:' .. today, nip) == 1 then
            redis.call('XADD', p .. 'events', '*', 'type', 'report.reminder', 'data', cmsgpack.pack({
                nip = nip, date = today, notify = {nip}, request_id = '', at = now}))
            count = count + 1
        end
    end
    redis.call('EXPIRE', p .. 'mv:reminded:' .. today, 172800)
    return count
end
local week, now = ARGV[2], tonumber(ARGV[3])
local min_c, min_r, flag_after = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local suspend_until, today, policy = ARGV[7], ARGV[8], ARGV[9]
-- An OPD's own settings, where the policy gives them
local own = {}
for opd, c, r, f, s in string.gmatch(ARGV[10], '([^:;]+):(%d+):(%d+):(%d+):([^;]*)') do
    own[opd] = {tonumber(c), tonumber(r), tonumber(f), s}
end
if redis.call('SETNX', p .. 'mv:evaluated:' .. week, now) == 0 then return {-1} end
-- Lift suspensions that have run out
local lifted = 0
for _, nip in ipairs(redis.call('SMEMBERS', p .. 'mv:suspended')) do
    local until_ = redis.call('HGET', p .. 'emp:' .. nip, 'suspended_until')
    if not until_ or until_ < today then
        redis.call('HDEL', p .. 'emp:' .. nip, 'suspended_until')
        redis.call('SREM', p .. 'mv:suspended', nip)
        wfa_audit(p, now, '', 'system', 'system', nip, 'suspension_lifted', 'suspended', 'eligible',
                  'until ' .. (until_ or '?'), policy)
        redis.call('XADD', p .. 'events', '*', 'type', 'monev.lifted', 'data', cmsgpack.pack({
            nip = nip, notify = {nip}, request_id = '', at = now}))
        lifted = lifted + 1
    end
end
-- Everyone who worked flexibly in the week
local people, seen = {}, {}
for i = 11, #ARGV do
    for _, nip in ipairs(redis.call('SMEMBERS', p .. 'mv:flexset:' .. ARGV[i])) do
        if not seen[nip] then seen[nip] = true; people[#people + 1] = nip end
    end
end
table.sort(people)
local judged, below, flagged = 0, 0, 0
for _, nip in ipairs(people) do
    local flex, on_time, reports = 0, 0, 0
    local opd = redis.call('HGET', p .. 'emp:' .. nip, 'opd') or ''
    local rules = own[opd] or {min_c, min_r, flag_after, suspend_until}
    for i = 11, #ARGV do
        local v = redis.call('HMGET', p .. 'mv:c:' .. ARGV[i], 'n:' .. nip .. ':flex',
                             'n:' .. nip .. ':ci_on_time', 'n:' .. nip .. ':rep_sub')
        flex = flex + tonumber(v[1] or 0)
        on_time = on_time + tonumber(v[2] or 0)
        reports = reports + tonumber(v[3] or 0)
    end
    if flex > 0 then
        judged = judged + 1
        local compliance, rate = on_time * 100 / flex, reports * 100 / flex
        local streak = 0
        if compliance < rules[1] or rate < rules[2] then
            below = below + 1
            streak = redis.call('HINCRBY', p .. 'mv:streak', nip, 1)
        else
            redis.call('HDEL', p .. 'mv:streak', nip)
        end
        if streak >= rules[3] then
            flagged = flagged + 1
            redis.call('HDEL', p .. 'mv:streak', nip)
            local e = redis.call('HMGET', p .. 'emp:' .. nip, 'supervisor_nip', 'name')
            local notify = {}
            if e[1] and e[1] ~= '' then notify[1] = e[1] end
            for _, officer in ipairs(redis.call('SMEMBERS', p .. 'role:bkd')) do
                if officer ~= nip then notify[#notify + 1] = officer end
            end
            local why = string.format('%s: %d weeks below (compliance %.0f%% < %d%% or reports %.0f%% < %d%%)',
                                      week, streak, compliance, rules[1], rate, rules[2])
            wfa_audit(p, now, '', 'system', 'system', nip, 'monev_flag', '', '', why, policy)
            local until_ = rules[4]
            if until_ ~= '' then
                redis.call('HSET', p .. 'emp:' .. nip, 'suspended_until', until_)
                redis.call('SADD', p .. 'mv:suspended', nip)
                wfa_audit(p, now, '', 'system', 'system', nip, 'suspend', 'eligible', 'suspended',
                          'until ' .. until_ .. ': ' .. why, policy)
                notify[#notify + 1] = nip
            end
            redis.call('XADD', p .. 'events', '*', 'type', 'monev.flagged', 'data', cmsgpack.pack({
                nip = nip, name = e[2] or '', week = week, weeks = streak, notify = notify,
                request_id = '', at = now, suspended_until = until_}))
        end
    end
end
return {judged, below, flagged, lifted}
