#!lua
-- timers_due.lua: fire the due timers of a pemda, each exactly once.
-- KEYS     the pemda's prefix, its timers (timers)
-- ARGV[1]  a msgpack map: now (ms), max (timers to fire)
-- A timer is "REQUEST_ID|STEP|ACTION|OPENED_AT": the SLA of a step (remind,
-- escalate, expire) opened at that moment, or "REQUEST_ID|0|start": the
-- first day has begun. Removing the
-- timer and acting on it are one step, so with several instances polling,
-- each timer fires once; a timer whose request moved on does nothing.
-- Returns  {"ok", the number of timers that acted}
local p, timers = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local now, max = a.now, tonumber(a.max)
local score = tonumber(now)
local acted = 0
for _, timer in ipairs(redis.call('ZRANGEBYSCORE', timers, '-inf', now, 'LIMIT', 0, max)) do
    redis.call('ZREM', timers, timer)
    local id, k, action, opened = string.match(timer, '^([^|]+)|([^|]+)|([^|]+)|?(.*)$')
    local rkey = p .. 'req:' .. (id or '')
    local r = wfa_hmget(rkey, 'state', 'step', 'approver', 'nip', 'opd', 'pemda',
                        'policy_version', 'submitted_at', 'step_opened_at')
    -- A step's timer acts only on the round it was set for (a step reopened
    -- after a return for revision has its own)
    local live = r.state and (action == 'start'
        or (r.state == 'pending' and r.step == k and (opened or '') == (r.step_opened_at or '')))
    if live and action == 'remind' then
        redis.call('XADD', p .. 'events', '*', 'type', 'approval.reminder', 'data', cmsgpack.pack({
            request_id = id, pemda = r.pemda, nip = r.nip, opd = r.opd, approvers = wfa_split(r.approver),
            step = tonumber(k), at = score}))
        wfa_audit(p, score, id, 'system', 'system', '', 'remind', r.state, r.state, 'step ' .. k,
                  r.policy_version or '0')
        acted = acted + 1
    elseif live and action == 'escalate' then
        -- The approvers' own atasan join the step
        local current = wfa_split(r.approver)
        local added = {}
        for _, approver in ipairs(current) do
            local up = redis.call('HGET', p .. 'emp:' .. approver, 'supervisor_nip')
            if up and up ~= '' and up ~= r.nip and not wfa_listed(r.approver, up) and not wfa_inactive(p, up) then
                added[#added + 1] = up
            end
        end
        if #added > 0 then
            local list = r.approver .. ',' .. table.concat(added, ',')
            redis.call('HSET', rkey, 'approver', list)
            wfa_changed(p, id)
            for _, up in ipairs(added) do redis.call('ZADD', p .. 'idx:approver:' .. up, score, id) end
            redis.call('XADD', p .. 'events', '*', 'type', 'approval.escalated', 'data', cmsgpack.pack({
                request_id = id, pemda = r.pemda, nip = r.nip, opd = r.opd, approvers = added,
                step = tonumber(k), at = score}))
        end
        wfa_audit(p, score, id, 'system', 'system', '', 'escalate', r.state, r.state,
                  'step ' .. k .. ' to ' .. table.concat(added, ','), r.policy_version or '0')
        acted = acted + 1
    elseif r.state and (action == 'expire' and live or action == 'start') then
        local to = wfa_next_state(r.state, 'expire')
        if to then
            local reason = 'step ' .. k .. ' SLA'
            if action == 'start' then reason = 'undecided when the first day began' end
            local refused = wfa_transition(p, {id = id, nip = r.nip, opd = r.opd, action = 'expire',
                from = r.state, to = to, actor = 'system', role = 'system', at = score, policy = r.policy_version,
                approvers = r.approver, note = action, reason = reason, release = '',
                event = 'request.expired', data = {
                    request_id = id, pemda = r.pemda, nip = r.nip, opd = r.opd, from_state = r.state,
                    submitted_at = tonumber(r.submitted_at), by = 'system', reason = action, at = score}})
            if not refused then acted = acted + 1 end
        end
    end
end
return {'ok', acted}
