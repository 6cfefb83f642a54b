#!lua
-- decide.lua: an approver of the current step approves, rejects or returns
-- the request for revision, atomically.
-- KEYS     the pemda's prefix, the request (req:ID), the approver (emp:AS),
--          the idempotency key (idem:decide:AS:ID:KEY)
-- ARGV[1]  a msgpack map: id (the request), as (approver NIP), decision
--          ("approve"|"reject"|"return"), note, ttl (of the idempotency key,
--          s), now (ms), the OPD's capacity: people and percent (at most N
--          people and at most P percent of it away on one day; 0: no limit),
--          today (YYYY-MM-DD, the pemda's local day: for delegations), the
--          unit rules: unit_people, unit_percent (at most that many, that
--          share of the employee's unit away on one day), min_present,
--          unit_min_present (at least that many of the OPD, of the unit at
--          the office; 0: no limit), then what the step records ("1" yes,
--          "0" no, "" not given): the atasan's assessment (tasks_fit,
--          targets_measurable) and the kepala OPD's proposal
--          (service_continues, capacity_ok), then dues (when each step of the
--          chain opened now runs out, comma-separated ms, in working time),
--          and ineligible: the eligibility rules (art. 25) the employee
--          breaks today ("CODE: detail; ...", "" for none: judged in C from
--          the personnel data on record)
-- Returns  {"ok", state, approval_number} | {"dup", state, approval_number} |
--          {"err", CODE, detail[, field]} | {"ineligible", reasons} (the final
--          approval refused, the request left pending with the reasons in its
--          history and the audit trail); the approval number ("" before the final
--          approval) is taken here, after every refusal, so numbers have no gaps
local p, rkey, akey, idem = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local id, actor, decision, note, now, today = a.id, a.as, a.decision, a.note or '', a.now, a.today or ''
local people, percent = tonumber(a.people) or 0, tonumber(a.percent) or 0
local attested = {tasks_fit = a.tasks_fit or '', targets_measurable = a.targets_measurable or '',
                  service_continues = a.service_continues or '', capacity_ok = a.capacity_ok or ''}
local dues, ineligible = a.dues or '', a.ineligible or ''

local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then
    local was, number = string.match(previous, '^([^|]*)|?(.*)$')
    return {'dup', was, number}
end

local r = wfa_hmget(rkey, 'state', 'approver', 'nip', 'opd', 'submitted_at', 'pemda',
                    'step', 'steps', 'step_role', 'dates', 'policy_version', 'kind', 'chain',
                    'step_opened_at', 'step_due', 'held')
if not r.state then return {'err', 'NOT_FOUND', id} end
local step, steps = tonumber(r.step or '1'), tonumber(r.steps or '1')
local action = decision
if decision == 'approve' and step < steps then action = 'approve_step' end
local state = wfa_next_state(r.state, action)
if not state then return {'err', 'NOT_PENDING', r.state} end
-- Nobody decides their own request, not even as someone's Plt/Plh; an
-- approver no longer on record in this pemda decides nothing here
if actor == r.nip or redis.call('EXISTS', akey) == 0 then
    return {'err', 'NOT_YOUR_DECISION', id}
end
local acting, on_behalf = wfa_acting_for(p, r.approver, actor, today)
if not acting then return {'err', 'NOT_YOUR_DECISION', id} end
local role, policy = r.step_role or 'atasan', r.policy_version or '0'
local score = tonumber(now)

-- What the regulation asks each step to record: the atasan assesses that
-- the tasks fit flexible work and the targets are measurable; the kepala
-- OPD proposes it knowing the unit keeps its service running within its
-- capacity. An approval without it (or saying no) is refused.
local asks = {atasan = {'tasks_fit', 'targets_measurable'},
              kepala_opd = {'service_continues', 'capacity_ok'}}
local record = {}
for _, field in ipairs(asks[role] or {}) do
    if attested[field] ~= '' then record[field] = attested[field] == '1' end
    if decision == 'approve' and attested[field] ~= '1' then
        local missing = {}
        for _, each in ipairs(asks[role]) do
            if attested[each] ~= '1' then missing[#missing + 1] = each end
        end
        return {'err', 'ASSESSMENT_MISSING', role .. ': ' .. table.concat(missing, ', '), missing[1]}
    end
end
-- Eligibility judged again at the final approval (art. 25): a sanction, a
-- suspension or a change of position recorded while the request waited
-- stops it; it stays pending, and the refusal is on record
if state == 'approved' and ineligible ~= '' then
    -- Recorded once: a retry, or the same refusal again, writes nothing more
    if r.held == ineligible then return {'ineligible', ineligible} end
    local refused = wfa_transition(p, {id = id, nip = r.nip, opd = r.opd, action = 'refuse_final',
        from = r.state, to = wfa_next_state(r.state, 'refuse_final'), actor = actor, role = role,
        on_behalf = on_behalf, at = score, policy = policy,
        note = 'not eligible at final approval: ' .. ineligible, fields = {'held', ineligible}})
    if refused then return refused end
    return {'ineligible', ineligible}
end
-- Flexible work suspended by the monev evaluation: no day up to its end
if state == 'approved' then
    local until_ = redis.call('HGET', p .. 'emp:' .. r.nip, 'suspended_until')
    local first = wfa_split(r.dates)[1]
    if until_ and first and first <= until_ then return {'err', 'SUSPENDED', until_} end
end
-- Final approval takes the OPD's capacity for each day, or is refused
-- (before anything is written: a refusal changes nothing)
-- (time flexibility keeps people at the office: it takes no capacity)
local away = r.kind ~= 'sif' and r.kind ~= 'dinamis'
-- The most of a group away on one day: N people, P percent (the smaller)
local function most(members, n, pct)
    local limit = -1
    if n > 0 then limit = n end
    if pct > 0 then
        local by_share = math.max(1, math.floor(members * pct / 100))
        if limit < 0 or by_share < limit then limit = by_share end
    end
    return limit
end
if state == 'approved' and away then
    -- Days where one more away passes the group's limit, or leaves fewer
    -- than `present` of its members at the office; nothing is written
    local function check(set, label, members, limit, present, full, few)
        for _, date in ipairs(wfa_split(r.dates)) do
            local key = set .. date
            if redis.call('SISMEMBER', key, r.nip) == 0 then
                local out = redis.call('SCARD', key)
                if limit >= 0 and out >= limit then full[#full + 1] = label .. date .. ': ' .. out .. ' of ' .. limit end
                if present > 0 and members - out - 1 < present then
                    few[#few + 1] = label .. date .. ': ' .. (members - out - 1) .. ' < ' .. present
                end
            end
        end
    end
    local unit_people, unit_percent = tonumber(a.unit_people) or 0, tonumber(a.unit_percent) or 0
    local min_present, unit_min = tonumber(a.min_present) or 0, tonumber(a.unit_min_present) or 0
    local unit = redis.call('HGET', p .. 'emp:' .. r.nip, 'unit') or ''
    -- People on record, service accounts left out (wfa_mv_people)
    local members = wfa_mv_people(p, r.opd)
    local full, few, unit_full, unit_few = {}, {}, {}, {}
    check(p .. 'cap:' .. r.opd .. ':', '', members, most(members, people, percent), min_present, full, few)
    if unit ~= '' then
        local unit_set = p .. 'unit:' .. r.opd .. ':' .. unit
        local unit_members = redis.call('SCARD', unit_set) - redis.call('SINTERCARD', 2, unit_set, p .. 'role:integrator')
        check(p .. 'ucap:' .. r.opd .. ':' .. unit .. ':', r.opd .. '/' .. unit .. ' ', unit_members,
              most(unit_members, unit_people, unit_percent), unit_min, unit_full, unit_few)
    end
    if #full > 0 then return {'err', 'CAPACITY_FULL', table.concat(full, ', ')} end
    if #unit_full > 0 then return {'err', 'UNIT_CAPACITY_FULL', table.concat(unit_full, ', ')} end
    if #few > 0 then return {'err', 'TOO_FEW_PRESENT', r.opd .. ' ' .. table.concat(few, ', ')} end
    if #unit_few > 0 then return {'err', 'TOO_FEW_PRESENT', table.concat(unit_few, ', ')} end
    -- Taken together: the OPD's and the unit's day sets (the request keeps
    -- its unit, so a cancel gives back the same days)
    for _, date in ipairs(wfa_split(r.dates)) do
        redis.call('SADD', p .. 'cap:' .. r.opd .. ':' .. date, r.nip)
        if unit ~= '' then redis.call('SADD', p .. 'ucap:' .. r.opd .. ':' .. unit .. ':' .. date, r.nip) end
    end
    redis.call('HSET', rkey, 'unit', unit)
end
-- The kepala OPD's proposal keeps the OPD's figures it was made on
if role == 'kepala_opd' and away and next(record) then
    local capacity = most(wfa_mv_people(p, r.opd), people, percent)
    local seen = {}
    for _, date in ipairs(wfa_split(r.dates)) do
        local text = date .. ': ' .. redis.call('SCARD', p .. 'cap:' .. r.opd .. ':' .. date) .. ' away'
        if capacity >= 0 then text = text .. ' of ' .. capacity end
        seen[#seen + 1] = text
    end
    record.capacity_seen = table.concat(seen, ', ')
end

-- The final approval's number, per pemda and local year: taken only now,
-- after every refusal above, in the same step as the approval
local number = ''
if state == 'approved' then
    local year = string.sub(today, 1, 4)
    number = string.format('%06d/WFA/%s/%s', redis.call('INCR', p .. 'approval:seq:' .. year), r.pemda, year)
end
local stated = {}
for _, field in ipairs(asks[role] or {}) do
    if record[field] ~= nil then stated[#stated + 1] = field .. '=' .. (record[field] and 'yes' or 'no') end
end
if number ~= '' then stated[#stated + 1] = 'nomor persetujuan ' .. number end
local reason = note
if #stated > 0 then reason = '[' .. table.concat(stated, ' ') .. '] ' .. note end

local written = reason
if on_behalf ~= '' then
    local order = redis.call('HGET', p .. 'delegation:' .. on_behalf, 'order_ref') or ''
    written = '(Plh/Plt for ' .. on_behalf .. ', surat ' .. order .. ') ' .. reason
end
-- Monev: how long this step waited, against its SLA; the record is the
-- figure (member REQUEST|STEP|AT|SLA_MS, score the wait in ms), by day of
-- the decision, for the pemda and the OPD
do
    local chain = wfa_split(r.chain)
    local sla = tonumber(string.match(chain[step] or '', '^[^:]+:([^:]+)') or '0') or 0
    local opened_at = tonumber(r.step_opened_at or now)
    local wait = score - opened_at
    -- The SLA as the time the step had: to its deadline in working time
    local due = tonumber(r.step_due or '')
    if due and sla > 0 then sla = due - opened_at end
    local member = id .. '|' .. step .. '|' .. now .. '|' .. sla
    local day = today
    if day == '' then day = 'unknown' end
    redis.call('ZADD', p .. 'mv:step:' .. day .. ':' .. role, wait, member)
    redis.call('ZADD', p .. 'mv:step:' .. day .. ':' .. role .. ':' .. r.opd, wait, member)
end
-- The step's record, for REQUEST.GET: the assessment, the proposal
if next(record) then
    record.by, record.on_behalf_of, record.at, record.decision, record.note =
        actor, on_behalf, score, decision, note
    local field = 'assessment'
    if role == 'kepala_opd' then field = 'proposal' end
    redis.call('HSET', rkey, field, cmsgpack.pack(record))
end

local t = {id = id, nip = r.nip, opd = r.opd, action = action, from = r.state, to = state,
    actor = actor, role = role, on_behalf = on_behalf, at = score, policy = policy,
    approvers = r.approver, note = written, reason = reason, hist = {role = role, step = step}}
if state ~= 'pending' then
    t.fields = {'decided_at', now, 'decided_by', actor, 'note', note, 'decided_for', on_behalf}
    if number ~= '' then
        t.fields[#t.fields + 1] = 'approval_number'
        t.fields[#t.fields + 1] = number
    end
    if state == 'rejected' or state == 'returned' then t.release = '' end
    t.event, t.data = 'request.' .. state, {
        request_id = id, pemda = r.pemda, nip = r.nip, opd = r.opd, decided_by = actor, note = note,
        submitted_at = tonumber(r.submitted_at), at = score, approval_number = number}
end
local refused = wfa_transition(p, t)
if refused then return refused end
if state == 'pending' then
    wfa_open_step(p, id, step + 1, now, actor, dues, 'approved')    -- the next step of the chain
else
    redis.call('HDEL', rkey, 'held')
end
wfa_idem_set(idem, a.fp, state .. '|' .. number, a.ttl)
return {'ok', state, number}
