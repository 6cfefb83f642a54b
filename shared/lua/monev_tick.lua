-- monev_tick.lua: the time-driven part of monev for one pemda, each part
-- done once however many metrics instances run it.
-- KEYS[1]  key prefix of the pemda
-- ARGV     action "remind": today (local), now_ms — reminds everyone with an
--            approved flexible day today and no daily report yet
--          action "evaluate": week (YYYY-Www, the last whole week), now_ms,
--            min_compliance, min_report (percent), flag_after (weeks),
--            suspend_until (YYYY-MM-DD, "" for no suspension), today,
--            policy_version, then the week's 7 dates
-- Returns  the number of people reminded, or {judged, below, flagged,
--          lifted} for evaluate; {-1} when this week was evaluated before.
local p = KEYS[1]
local action = ARGV[1]
if action == 'remind' then
    local today, now = ARGV[2], tonumber(ARGV[3])
    local count = 0
    for _, nip in ipairs(redis.call('SMEMBERS', p .. 'mv:flexset:' .. today)) do
        if redis.call('HEXISTS', p .. 'mv:rep:' .. nip, today) == 0
        and redis.call('SADD', p .. 'mv:reminded:' .. today, nip) == 1 then
            redis.call('XADD', p .. 'events', '*', 'type', 'report.reminder', 'data', cmsgpack.pack({
                nip = nip, date = today, notify = {nip}, request_id = '', at = now,
                message_id = 'Pengingat: laporan kinerja harian ' .. today .. ' belum dikirim',
                message_en = 'Reminder: the daily report of ' .. today .. ' has not been sent'}))
            count = count + 1
        end
    end
    redis.call('EXPIRE', p .. 'mv:reminded:' .. today, 172800)
    return count
end
local week, now = ARGV[2], tonumber(ARGV[3])
local min_c, min_r, flag_after = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local suspend_until, today, policy = ARGV[7], ARGV[8], ARGV[9]
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
            nip = nip, notify = {nip}, request_id = '', at = now,
            message_id = 'Penangguhan kerja fleksibel Anda telah berakhir',
            message_en = 'Your suspension from flexible work has ended'}))
        lifted = lifted + 1
    end
end
-- Everyone who worked flexibly in the week
local people, seen = {}, {}
for i = 10, #ARGV do
    for _, nip in ipairs(redis.call('SMEMBERS', p .. 'mv:flexset:' .. ARGV[i])) do
        if not seen[nip] then seen[nip] = true; people[#people + 1] = nip end
    end
end
table.sort(people)
local judged, below, flagged = 0, 0, 0
for _, nip in ipairs(people) do
    local flex, on_time, reports = 0, 0, 0
    for i = 10, #ARGV do
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
        if compliance < min_c or rate < min_r then
            below = below + 1
            streak = redis.call('HINCRBY', p .. 'mv:streak', nip, 1)
        else
            redis.call('HDEL', p .. 'mv:streak', nip)
        end
        if streak >= flag_after then
            flagged = flagged + 1
            redis.call('HDEL', p .. 'mv:streak', nip)
            local e = redis.call('HMGET', p .. 'emp:' .. nip, 'supervisor_nip', 'name')
            local notify = {}
            if e[1] and e[1] ~= '' then notify[1] = e[1] end
            for _, officer in ipairs(redis.call('SMEMBERS', p .. 'role:bkd')) do
                if officer ~= nip then notify[#notify + 1] = officer end
            end
            local why = string.format('%s: %d weeks below (compliance %.0f%% < %d%% or reports %.0f%% < %d%%)',
                                      week, streak, compliance, min_c, rate, min_r)
            wfa_audit(p, now, '', 'system', 'system', nip, 'monev_flag', '', '', why, policy)
            local text_id = string.format('Pegawai %s (%s) di bawah tolok ukur monev %d minggu berturut-turut (%s)',
                                          e[2] or '', nip, streak, week)
            local text_en = string.format('Employee %s (%s) stayed below the monev benchmarks for %d weeks running (%s)',
                                          e[2] or '', nip, streak, week)
            if suspend_until ~= '' then
                redis.call('HSET', p .. 'emp:' .. nip, 'suspended_until', suspend_until)
                redis.call('SADD', p .. 'mv:suspended', nip)
                wfa_audit(p, now, '', 'system', 'system', nip, 'suspend', 'eligible', 'suspended',
                          'until ' .. suspend_until .. ': ' .. why, policy)
                text_id = text_id .. '; kerja fleksibel ditangguhkan sampai ' .. suspend_until
                text_en = text_en .. '; flexible work suspended until ' .. suspend_until
                notify[#notify + 1] = nip
            end
            redis.call('XADD', p .. 'events', '*', 'type', 'monev.flagged', 'data', cmsgpack.pack({
                nip = nip, week = week, notify = notify, request_id = '', at = now,
                suspended_until = suspend_until, message_id = text_id, message_en = text_en}))
        end
    end
end
return {judged, below, flagged, lifted}
