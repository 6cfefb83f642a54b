#!lua
-- submit.lua: store a new request, open its first step, and write the
-- request.submitted event, atomically: a request is never submitted without
-- its approver (or, when nobody holds the step's role, without waiting for
-- one: NO_APPROVER).
-- KEYS     the pemda's prefix "wfa:{35.08}:", the employee (emp:NIP), the
--          idempotency key (idem:submit:NIP:AGAIN:KEY)
-- ARGV[1]  a msgpack map: pemda, ttl (of the idempotency key, s), nip, kind,
--          dates (comma-separated), location, reason, plan (msgpack array),
--          now (ms), weeks (the ISO week of each date, comma-separated), cap
--          (weekly, -1: none), policy (its version), chain ("role:sla_ms:
--          on_timeout,..."), again (a resubmission: the returned request's
--          id; "" if new), starts (the moment the first day begins, ms:
--          undecided then, it expires), schedule (of a time kind,
--          "DATE=HH:MM-HH:MM,..." or ""), time_kind (beside a location kind:
--          "sif", "dinamis" or ""), dues (when each step of the chain opened
--          now runs out, comma-separated ms, in working time)
-- Returns  {"ok"|"dup", request_id, state, approver, step} | {"err", CODE[, detail]} |
--          {"errs", CODE, detail, CODE, detail, ...} (every rule broken)
local p, ekey, idem = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local nip, kind, dates, again, now = a.nip, a.kind, a.dates, a.again or '', a.now
local cap = tonumber(a.cap)

-- The request as it stands now: what a first answer and its retries say
local function answer(status, id)
    local r = wfa_hmget(p .. 'req:' .. id, 'state', 'approver', 'step')
    return {status, id, r.state or '', r.approver or '', r.step or '0'}
end
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return answer('dup', previous) end

local employee = wfa_hmget(ekey, 'opd', 'supervisor_nip', 'name', 'position', 'active')
if not employee.opd then return {'err', 'UNKNOWN_EMPLOYEE'} end
if employee.active == '0' then return {'err', 'EMPLOYEE_INACTIVE'} end
if (employee.supervisor_nip or '') == '' then return {'err', 'NO_APPROVER'} end
-- The atasan must be on record in the same pemda to see and decide it
if redis.call('EXISTS', p .. 'emp:' .. employee.supervisor_nip) == 0 then return {'err', 'NO_APPROVER'} end
local opd, supervisor, name = employee.opd, employee.supervisor_nip, employee.name

-- A step whose role nobody holds does not refuse the request: it waits at
-- that step with NO_APPROVER, for the BKD and admin pemda to see (open_step)

-- A resubmission: the employee's own request, returned for revision
local previous_state = ''
if again ~= '' then
    local was = wfa_hmget(p .. 'req:' .. again, 'state', 'nip')
    if not was.state then return {'err', 'NOT_FOUND', again} end
    if was.nip ~= nip then return {'err', 'FORBIDDEN', 'only the employee resubmits'} end
    if not wfa_next_state(was.state, 'resubmit') then return wfa_bad_state(was.state, 'resubmit') end
    previous_state = was.state
end

-- The days must be free, and each ISO week within the cap, counting the
-- employee's other active requests: checked and taken in this one step, so
-- parallel submissions cannot pass the cap together
local date_list, week_list = wfa_split(dates), wfa_split(a.weeks)
local broken = {}
for i = 1, #date_list do
    local other = redis.call('HGET', p .. 'days:' .. nip, date_list[i])
    if other then
        broken[#broken + 1] = 'OVERLAP'
        broken[#broken + 1] = date_list[i] .. ' (' .. other .. ')'
    end
end
if cap >= 0 then
    local asked, order = {}, {}
    for i = 1, #week_list do
        if not asked[week_list[i]] then asked[week_list[i]] = 0; order[#order + 1] = week_list[i] end
        asked[week_list[i]] = asked[week_list[i]] + 1
    end
    for _, week in ipairs(order) do
        local used = redis.call('SCARD', p .. 'week:' .. nip .. ':' .. week)
        if used + asked[week] > cap then
            broken[#broken + 1] = 'WEEKLY_CAP'
            broken[#broken + 1] = week .. ': ' .. used .. ' + ' .. asked[week] .. ' > ' .. cap
        end
    end
end
if #broken > 0 then
    table.insert(broken, 1, 'errs')
    return broken
end

local id = again
if id == '' then
    id = string.format('REQ-%s-%06d', a.pemda, redis.call('INCR', p .. 'seq'))
end
local rkey = p .. 'req:' .. id
local score = tonumber(now)
-- A resubmission is assessed anew: the records of the returned round go
if again ~= '' then redis.call('HDEL', rkey, 'assessment', 'proposal') end
wfa_hold_days(p, nip, id, date_list, week_list, kind ~= 'sif' and kind ~= 'dinamis')
if (a.starts or '') ~= '' then redis.call('ZADD', p .. 'timers', tonumber(a.starts), id .. '|0|start') end
local fields = {'request_id', id, 'pemda', a.pemda, 'nip', nip, 'name', name,
    'opd', opd, 'kind', kind, 'dates', dates, 'location', a.location, 'reason', a.reason,
    'plan', a.plan, 'supervisor_nip', supervisor, 'approver', '',
    'decided_at', 0, 'decided_by', '', 'note', '', 'weeks', a.weeks, 'policy_version', a.policy,
    'chain', a.chain, 'step', 0, 'schedule', a.schedule or '', 'time_kind', a.time_kind or '',
    'position', employee.position or ''}
local action, event = 'submit', 'request.submitted'
if again == '' then
    -- A resubmission keeps its first submission time: lead time counts from it
    fields[#fields + 1] = 'submitted_at'
    fields[#fields + 1] = now
    redis.call('ZADD', p .. 'idx:all', score, id)
    redis.call('ZADD', p .. 'idx:opd:' .. opd, score, id)
    redis.call('ZADD', p .. 'idx:nip:' .. nip, score, id)
else
    -- A resubmission opens the chain again, and is not counted as a new request
    action, event = 'resubmit', 'request.resubmitted'
end
local refused = wfa_transition(p, {id = id, nip = nip, opd = opd, action = action,
    from = previous_state, to = 'submitted', actor = nip, role = 'pegawai', at = score, policy = a.policy,
    fields = fields, reason = a.reason, event = event, data = {
        request_id = id, pemda = a.pemda, nip = nip, name = name, opd = opd, kind = kind,
        time_kind = a.time_kind or '', dates = date_list, supervisor_nip = supervisor, at = score}})
if refused then return refused end

-- The chain opens here, in the same step: step 1 for its approver (or
-- waiting, NO_APPROVER, when nobody holds its role)
local found = wfa_open_step(p, id, 1, now, 'system', a.dues, 'submitted')
local step = wfa_hmget(rkey, 'approver', 'step_role')
local note = 'step 1: ' .. (step.approver or '')
if found == 0 then note = 'step 1: NO_APPROVER (no ' .. (step.step_role or '') .. ' on record)' end
refused = wfa_transition(p, {id = id, nip = nip, opd = opd, action = 'open_step',
    from = 'submitted', to = wfa_next_state('submitted', 'open_step'), actor = 'system',
    role = 'system', at = score, policy = a.policy, note = note})
if refused then return refused end

wfa_idem_set(idem, a.fp, id, a.ttl)
return answer('ok', id)
