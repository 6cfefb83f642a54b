#!lua
-- deactivate.lua: an employee leaves (EMPLOYEE.DEACTIVATE: moved out,
-- retired, ...) or comes back (EMPLOYEE.REACTIVATE), atomically. Nothing is
-- deleted: the record stays, marked active = "0" with why and from when.
-- Inactive, the employee counts in no OPD or unit (opd:OPD, unit:...), holds
-- no role set (so no step awaits them: wfa_step_approvers), and leaves the
-- active lists (emps:active, emps:opd:OPD:active). Their requests not
-- decided yet are cancelled by the system, an approved one from `from` on
-- (its days already behind are kept);
-- the steps that awaited them go on without them (below).
-- KEYS     the pemda's prefix, the employee (emp:NIP), the idempotency key
--          (idem:employee:ACTION:NIP:KEY)
-- ARGV[1]  a msgpack map: action ("deactivate"|"reactivate"), nip, reason,
--          from (YYYY-MM-DD, the first day gone), note, actor (who, for the
--          record), role (theirs, or "operator"), now (ms), today (the
--          pemda's local day), ttl (of the idempotency key, s)
-- Returns  {"ok"|"dup", cancelled, reopened} | {"err", CODE, detail}
local p, ekey, idem = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local nip, now, actor = a.nip, tonumber(a.now), a.actor
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then
    local cancelled, reopened = string.match(previous, '^(%d+),(%d+)$')
    return {'dup', cancelled, reopened}
end
local e = wfa_hmget(ekey, 'opd', 'roles', 'unit', 'active')
if not e.opd then return {'err', 'UNKNOWN_EMPLOYEE', nip} end
local opd, unit = e.opd, e.unit or ''
local roles = wfa_split((string.gsub(e.roles or '', ';', ',')))

if a.action == 'reactivate' then
    if e.active ~= '0' then return {'err', 'BAD_STATE', 'active -/-> reactivate'} end
    redis.call('HDEL', ekey, 'active', 'deactivated_from', 'deactivation_reason', 'deactivation_note',
               'deactivated_by', 'deactivated_at')
    redis.call('SADD', p .. 'opd:' .. opd, nip)
    if unit ~= '' then redis.call('SADD', p .. 'unit:' .. opd .. ':' .. unit, nip) end
    for _, role in ipairs(roles) do
        redis.call('SADD', p .. 'role:' .. role, nip)
        redis.call('SADD', p .. 'role:' .. role .. ':opd:' .. opd, nip)
    end
    redis.call('ZADD', p .. 'emps:active', 0, nip)
    redis.call('ZADD', p .. 'emps:opd:' .. opd .. ':active', 0, nip)
    wfa_audit(p, now, '', actor, a.role, '', 'employee_reactivate', 'inactive', 'active',
              nip .. ((a.note or '') ~= '' and (': ' .. a.note) or ''), '0')
    wfa_idem_set(idem, a.fp, '0,0', a.ttl)
    return {'ok', '0', '0'}
end

if e.active == '0' then return {'err', 'BAD_STATE', 'inactive -/-> deactivate'} end
local from, reason = a.from, a.reason
redis.call('HSET', ekey, 'active', '0', 'deactivated_from', from, 'deactivation_reason', reason,
           'deactivation_note', a.note or '', 'deactivated_by', actor, 'deactivated_at', now)
redis.call('SREM', p .. 'opd:' .. opd, nip)
if unit ~= '' then redis.call('SREM', p .. 'unit:' .. opd .. ':' .. unit, nip) end
for _, role in ipairs(roles) do
    redis.call('SREM', p .. 'role:' .. role, nip)
    redis.call('SREM', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
redis.call('ZREM', p .. 'emps:active', nip)
redis.call('ZREM', p .. 'emps:opd:' .. opd .. ':active', nip)
local why = 'employee deactivated: ' .. reason .. ' from ' .. from
wfa_audit(p, now, '', actor, a.role, '', 'employee_deactivate', 'active', 'inactive',
          nip .. ': ' .. reason .. ' from ' .. from .. ((a.note or '') ~= '' and (': ' .. a.note) or ''), '0')

-- Their requests: not decided yet, cancelled whole; approved, from `from` on
local cancelled = 0
for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:nip:' .. nip, 0, -1)) do
    local r = wfa_hmget(p .. 'req:' .. id, 'state', 'opd', 'approver', 'dates', 'policy_version',
                        'pemda', 'submitted_at')
    local release
    if r.state == 'submitted' or r.state == 'pending' or r.state == 'returned' then
        release = ''
    elseif r.state == 'approved' then
        -- From the first of its days that is on or after `from` and still
        -- ahead (the days behind stay, as a cancel by the employee keeps them)
        local dates = wfa_split(r.dates)
        for n, date in ipairs(dates) do
            if date >= from and date > a.today then
                release = n == 1 and '' or date
                break
            end
        end
    end
    if release then
        local refused = wfa_transition(p, {id = id, nip = nip, opd = r.opd, action = 'cancel',
            from = r.state, to = 'cancelled', actor = 'system', role = 'system', at = now,
            policy = r.policy_version, approvers = r.approver,
            fields = {'ended_from', release, 'ended_by', 'system', 'end_reason', why}, note = why,
            release = release, event = 'request.cancelled', data = {
                request_id = id, pemda = r.pemda, nip = nip, opd = r.opd, by = 'system', reason = why,
                from_state = r.state, from_date = release, submitted_at = tonumber(r.submitted_at),
                at = now}})
        if refused then return refused end
        cancelled = cancelled + 1
    end
end

-- The steps that awaited them go on without them: with the other approvers
-- listed (an escalated step keeps whom it escalated to); when nobody else
-- is listed, the step waits (NO_APPROVER) and the approvals housekeeping
-- opens it anew to whoever holds its role, within a second, its deadline
-- in the pemda's working time (reopen_waiting.lua); nobody holds it: it
-- stays waiting, as any step of a role nobody holds (wfa_open_step)
local reopened = 0
for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:approver:' .. nip, 0, -1)) do
    local rkey = p .. 'req:' .. id
    local r = wfa_hmget(rkey, 'state', 'step', 'step_role', 'approver', 'supervisor_nip', 'nip',
                        'opd', 'policy_version')
    redis.call('ZREM', p .. 'idx:approver:' .. nip, id)
    if r.state == 'pending' and wfa_listed(r.approver, nip) then
        local others = {}
        for _, each in ipairs(wfa_split(r.approver)) do
            if each ~= nip and not wfa_inactive(p, each) then others[#others + 1] = each end
        end
        local note = 'step ' .. r.step .. ': ' .. nip .. ' deactivated'
        if #others > 0 then
            redis.call('HSET', rkey, 'approver', table.concat(others, ','))
            note = note .. ', ' .. table.concat(others, ',') .. ' decide'
        elseif #wfa_step_approvers(p, r.step_role, r.supervisor_nip, r.opd, r.nip) == 0 then
            wfa_open_step(p, id, tonumber(r.step), now, 'system')
            note = note .. ', NO_APPROVER'
        else
            redis.call('HSET', rkey, 'approver', '', 'waiting', 'NO_APPROVER', 'waiting_since', now)
            redis.call('HDEL', rkey, 'step_due')
            redis.call('ZADD', p .. 'idx:no_approver', now, id)
            redis.call('ZADD', p .. 'idx:opd:' .. r.opd .. ':no_approver', now, id)
            note = note .. ', to reopen'
        end
        local refused = wfa_transition(p, {id = id, nip = r.nip, opd = r.opd, action = 'open_step',
            from = 'pending', to = 'pending', actor = 'system', role = 'system', at = now,
            policy = r.policy_version, approvers = nip, note = note})
        if refused then return refused end
        reopened = reopened + 1
    end
end
wfa_idem_set(idem, a.fp, cancelled .. ',' .. reopened, a.ttl)
return {'ok', tostring(cancelled), tostring(reopened)}
