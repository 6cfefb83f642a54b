#!lua
-- timers_due.lua: fire the due timers of a pemda, each exactly once.
-- KEYS[1]  key prefix of the pemda
-- ARGV     now_ms, max timers to fire
-- A timer is "REQUEST_ID|STEP|ACTION|OPENED_AT": the SLA of a step (remind,
-- escalate, expire) opened at that moment, or "REQUEST_ID|0|start": the
-- first day has begun. Removing the
-- timer and acting on it are one step, so with several instances polling,
-- each timer fires once; a timer whose request moved on does nothing.
-- Returns  the number of timers that acted
local p = KEYS[1]
local now, max = ARGV[1], tonumber(ARGV[2])
local score = tonumber(now)
local acted = 0
for _, timer in ipairs(redis.call('ZRANGEBYSCORE', p .. 'timers', '-inf', now, 'LIMIT', 0, max)) do
    redis.call('ZREM', p .. 'timers', timer)
    local id, k, action, opened = string.match(timer, '^([^|]+)|([^|]+)|([^|]+)|?(.*)$')
    local rkey = p .. 'req:' .. (id or '')
    local r = redis.call('HMGET', rkey, 'state', 'step', 'approver', 'nip', 'opd', 'pemda',
                         'policy_version', 'submitted_at', 'step_opened_at')
    -- A step's timer acts only on the round it was set for (a step reopened
    -- after a return for revision has its own)
    local live = r[1] and (action == 'start'
        or (r[1] == 'pending' and r[2] == k and (opened or '') == (r[9] or '')))
    if live and action == 'remind' then
        redis.call('XADD', p .. 'events', '*', 'type', 'approval.reminder', 'data', cmsgpack.pack({
            request_id = id, pemda = r[6], nip = r[4], opd = r[5], approvers = wfa_split(r[3]),
            step = tonumber(k), at = score}))
        wfa_audit(p, score, id, 'system', 'system', '', 'remind', r[1], r[1], 'step ' .. k, r[7] or '0')
        acted = acted + 1
    elseif live and action == 'escalate' then
        -- The approvers' own atasan join the step
        local current = wfa_split(r[3])
        local added = {}
        for _, approver in ipairs(current) do
            local up = redis.call('HGET', p .. 'emp:' .. approver, 'supervisor_nip')
            if up and up ~= '' and up ~= r[4] and not wfa_listed(r[3], up) then
                added[#added + 1] = up
            end
        end
        if #added > 0 then
            local list = r[3] .. ',' .. table.concat(added, ',')
            redis.call('HSET', rkey, 'approver', list)
            for _, up in ipairs(added) do redis.call('ZADD', p .. 'idx:approver:' .. up, score, id) end
            redis.call('XADD', p .. 'events', '*', 'type', 'approval.escalated', 'data', cmsgpack.pack({
                request_id = id, pemda = r[6], nip = r[4], opd = r[5], approvers = added,
                step = tonumber(k), at = score}))
        end
        wfa_audit(p, score, id, 'system', 'system', '', 'escalate', r[1], r[1],
                  'step ' .. k .. ' to ' .. table.concat(added, ','), r[7] or '0')
        acted = acted + 1
    elseif r[1] and (action == 'expire' and live or action == 'start') then
        local to = wfa_next_state(r[1], 'expire')
        if to then
            for _, approver in ipairs(wfa_split(r[3])) do
                redis.call('ZREM', p .. 'idx:approver:' .. approver, id)
            end
            redis.call('HSET', rkey, 'state', to)
            redis.call('HINCRBY', rkey, 'version', 1)
            redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = 'system',
                action = 'expire', from = r[1], to = to, note = action}))
            wfa_reindex(p, id, r[5], r[1], to, score)
            wfa_release_days(p, r[4], id, '')
            wfa_audit(p, score, id, 'system', 'system', '', 'expire', r[1], to,
                      action == 'start' and 'undecided when the first day began' or 'step ' .. k .. ' SLA',
                      r[7] or '0')
            redis.call('XADD', p .. 'events', '*', 'type', 'request.expired', 'data', cmsgpack.pack({
                request_id = id, pemda = r[6], nip = r[4], opd = r[5], from_state = r[1],
                submitted_at = tonumber(r[8]), by = 'system', reason = action, at = score}))
            acted = acted + 1
        end
    end
end
return acted
