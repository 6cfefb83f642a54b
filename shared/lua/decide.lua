#!lua
-- decide.lua: an approver of the current step approves, rejects or returns
-- the request for revision, atomically.
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id, as (approver NIP), decision ("approve"|"reject"|"return"),
--          note, idem_key, idem_ttl, now_ms, and the OPD's capacity: at most
--          N people and at most P percent of it away on one day (0: no limit),
--          today (YYYY-MM-DD, the pemda's local day: for delegations),
--          the unit rules "U_PEOPLE,U_PERCENT,MIN_PRESENT,U_MIN_PRESENT": at most
--          U_PEOPLE people and U_PERCENT percent of the employee's unit away on
--          one day, at least MIN_PRESENT of the OPD and U_MIN_PRESENT of the
--          unit at the office (0: no limit), then what the step records ("1"
--          yes, "0" no, "" not given): the atasan's assessment (tasks_fit,
--          targets_measurable) and the kepala OPD's proposal (service_continues,
--          capacity_ok), then when each step of the chain opened now runs
--          out (comma-separated ms, in working time), and the eligibility
--          rules (art. 25) the employee breaks today ("CODE: detail; ...", ""
--          for none: judged in C from the personnel data on record)
-- Returns  {"ok", state, approval_number} | {"dup", state, approval_number} |
--          {"err", CODE, detail[, field]} | {"ineligible", reasons} (the final
--          approval refused, the request left pending with the reasons in its
--          history and the audit trail); the approval number ("" before the final
--          approval) is taken here, after every refusal, so numbers have no gaps
local p = KEYS[1]
local id, actor, decision, note, key, ttl, now, people, percent, today =
    ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]),
    ARGV[10]
local attested = {tasks_fit = ARGV[12] or '', targets_measurable = ARGV[13] or '',
                  service_continues = ARGV[14] or '', capacity_ok = ARGV[15] or ''}
local dues, ineligible = ARGV[16] or '', ARGV[17] or ''

local idem = p .. 'idem:decide:' .. actor .. ':' .. id .. ':' .. key
local previous = redis.call('GET', idem)
if previous then
    local was, number = string.match(previous, '^([^|]*)|?(.*)$')
    return {'dup', was, number}
end

local rkey = p .. 'req:' .. id
local r = redis.call('HMGET', rkey, 'state', 'approver', 'nip', 'opd', 'submitted_at', 'pemda',
                     'step', 'steps', 'step_role', 'dates', 'policy_version', 'kind')
if not r[1] then return {'err', 'NOT_FOUND', id} end
local step, steps = tonumber(r[7] or '1'), tonumber(r[8] or '1')
local action = decision
if decision == 'approve' and step < steps then action = 'approve_step' end
local state = wfa_next_state(r[1], action)
if not state then return {'err', 'NOT_PENDING', r[1]} end
-- Nobody decides their own request, not even as someone's Plt/Plh; an
-- approver no longer on record in this pemda decides nothing here
if actor == r[3] or redis.call('EXISTS', p .. 'emp:' .. actor) == 0 then
    return {'err', 'NOT_YOUR_DECISION', id}
end
local acting, on_behalf = wfa_acting_for(p, r[2], actor, today or '')
if not acting then return {'err', 'NOT_YOUR_DECISION', id} end
local role, policy = r[9] or 'atasan', r[11] or '0'
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
    if redis.call('HGET', rkey, 'held') == ineligible then return {'ineligible', ineligible} end
    local reason = 'not eligible at final approval: ' .. ineligible
    redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = actor,
        action = 'refuse_final', from = r[1], to = r[1], note = reason}))
    wfa_audit(p, score, id, actor, role, on_behalf, 'refuse_final', r[1], r[1], reason, policy)
    redis.call('HSET', rkey, 'held', ineligible)
    return {'ineligible', ineligible}
end
-- Flexible work suspended by the monev evaluation: no day up to its end
if state == 'approved' then
    local until_ = redis.call('HGET', p .. 'emp:' .. r[3], 'suspended_until')
    local first = wfa_split(r[10])[1]
    if until_ and first and first <= until_ then return {'err', 'SUSPENDED', until_} end
end
-- Final approval takes the OPD's capacity for each day, or is refused
-- (before anything is written: a refusal changes nothing)
-- (time flexibility keeps people at the office: it takes no capacity)
local away = r[12] ~= 'sif' and r[12] ~= 'dinamis'
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
        for _, date in ipairs(wfa_split(r[10])) do
            local key = set .. date
            if redis.call('SISMEMBER', key, r[3]) == 0 then
                local out = redis.call('SCARD', key)
                if limit >= 0 and out >= limit then full[#full + 1] = label .. date .. ': ' .. out .. ' of ' .. limit end
                if present > 0 and members - out - 1 < present then
                    few[#few + 1] = label .. date .. ': ' .. (members - out - 1) .. ' < ' .. present
                end
            end
        end
    end
    local rules = wfa_split(ARGV[11] or '')
    local unit_people, unit_percent = tonumber(rules[1] or '0') or 0, tonumber(rules[2] or '0') or 0
    local min_present, unit_min = tonumber(rules[3] or '0') or 0, tonumber(rules[4] or '0') or 0
    local unit = redis.call('HGET', p .. 'emp:' .. r[3], 'unit') or ''
    -- People on record, service accounts left out (wfa_mv_people)
    local members = wfa_mv_people(p, r[4])
    local full, few, unit_full, unit_few = {}, {}, {}, {}
    check(p .. 'cap:' .. r[4] .. ':', '', members, most(members, people, percent), min_present, full, few)
    if unit ~= '' then
        local unit_set = p .. 'unit:' .. r[4] .. ':' .. unit
        local unit_members = redis.call('SCARD', unit_set) - redis.call('SINTERCARD', 2, unit_set, p .. 'role:integrator')
        check(p .. 'ucap:' .. r[4] .. ':' .. unit .. ':', r[4] .. '/' .. unit .. ' ', unit_members,
              most(unit_members, unit_people, unit_percent), unit_min, unit_full, unit_few)
    end
    if #full > 0 then return {'err', 'CAPACITY_FULL', table.concat(full, ', ')} end
    if #unit_full > 0 then return {'err', 'UNIT_CAPACITY_FULL', table.concat(unit_full, ', ')} end
    if #few > 0 then return {'err', 'TOO_FEW_PRESENT', r[4] .. ' ' .. table.concat(few, ', ')} end
    if #unit_few > 0 then return {'err', 'TOO_FEW_PRESENT', table.concat(unit_few, ', ')} end
    -- Taken together: the OPD's and the unit's day sets (the request keeps
    -- its unit, so a cancel gives back the same days)
    for _, date in ipairs(wfa_split(r[10])) do
        redis.call('SADD', p .. 'cap:' .. r[4] .. ':' .. date, r[3])
        if unit ~= '' then redis.call('SADD', p .. 'ucap:' .. r[4] .. ':' .. unit .. ':' .. date, r[3]) end
    end
    redis.call('HSET', rkey, 'unit', unit)
end
-- The kepala OPD's proposal keeps the OPD's figures it was made on
if role == 'kepala_opd' and away and next(record) then
    local capacity = most(wfa_mv_people(p, r[4]), people, percent)
    local seen = {}
    for _, date in ipairs(wfa_split(r[10])) do
        local text = date .. ': ' .. redis.call('SCARD', p .. 'cap:' .. r[4] .. ':' .. date) .. ' away'
        if capacity >= 0 then text = text .. ' of ' .. capacity end
        seen[#seen + 1] = text
    end
    record.capacity_seen = table.concat(seen, ', ')
end

-- The final approval's number, per pemda and local year: taken only now,
-- after every refusal above, in the same step as the approval
local number = ''
if state == 'approved' then
    local year = string.sub(today or '', 1, 4)
    number = string.format('%06d/WFA/%s/%s', redis.call('INCR', p .. 'approval:seq:' .. year), r[6], year)
end
local stated = {}
for _, field in ipairs(asks[role] or {}) do
    if record[field] ~= nil then stated[#stated + 1] = field .. '=' .. (record[field] and 'yes' or 'no') end
end
if number ~= '' then stated[#stated + 1] = 'nomor persetujuan ' .. number end
local reason = note
if #stated > 0 then reason = '[' .. table.concat(stated, ' ') .. '] ' .. note end

for _, approver in ipairs(wfa_split(r[2])) do
    redis.call('ZREM', p .. 'idx:approver:' .. approver, id)
end
redis.call('HINCRBY', rkey, 'version', 1)
local written = reason
if on_behalf ~= '' then
    local order = redis.call('HGET', p .. 'delegation:' .. on_behalf, 'order_ref') or ''
    written = '(Plh/Plt for ' .. on_behalf .. ', surat ' .. order .. ') ' .. reason
end
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = actor,
    action = decision, from = r[1], to = state, note = written, role = role, step = step}))
wfa_audit(p, score, id, actor, role, on_behalf, decision, r[1], state, reason, policy)
-- The step's record, for REQUEST.GET: the assessment, the proposal
if next(record) then
    record.by, record.on_behalf_of, record.at, record.decision, record.note =
        actor, on_behalf, score, decision, note
    local field = 'assessment'
    if role == 'kepala_opd' then field = 'proposal' end
    redis.call('HSET', rkey, field, cmsgpack.pack(record))
end
-- Monev: how long this step waited, against its SLA; the record is the
-- figure (member REQUEST|STEP|AT|SLA_MS, score the wait in ms), by day of
-- the decision, for the pemda and the OPD
do
    local chain = wfa_split(redis.call('HGET', rkey, 'chain') or '')
    local sla = tonumber(string.match(chain[step] or '', '^[^:]+:([^:]+)') or '0') or 0
    local opened_at = tonumber(redis.call('HGET', rkey, 'step_opened_at') or now)
    local wait = score - opened_at
    -- The SLA as the time the step had: to its deadline in working time
    local due = tonumber(redis.call('HGET', rkey, 'step_due') or '')
    if due and sla > 0 then sla = due - opened_at end
    local member = id .. '|' .. step .. '|' .. now .. '|' .. sla
    local day = today
    if day == nil or day == '' then day = 'unknown' end
    redis.call('ZADD', p .. 'mv:step:' .. day .. ':' .. role, wait, member)
    redis.call('ZADD', p .. 'mv:step:' .. day .. ':' .. role .. ':' .. r[4], wait, member)
end

if state == 'pending' then
    wfa_open_step(p, id, step + 1, now, actor, dues)    -- the next step of the chain
else
    redis.call('HSET', rkey, 'state', state, 'decided_at', now, 'decided_by', actor, 'note', note,
               'decided_for', on_behalf)
    if number ~= '' then redis.call('HSET', rkey, 'approval_number', number) end
    redis.call('HDEL', rkey, 'held')
    wfa_reindex(p, id, r[4], r[1], state, score)
    if state == 'rejected' or state == 'returned' then wfa_release_days(p, r[3], id, '') end
    redis.call('XADD', p .. 'events', '*', 'type', 'request.' .. state, 'data', cmsgpack.pack({
        request_id = id, pemda = r[6], nip = r[3], opd = r[4], decided_by = actor, note = note,
        submitted_at = tonumber(r[5]), at = score, approval_number = number}))
end
redis.call('SET', idem, state .. '|' .. number, 'EX', ttl)
return {'ok', state, number}
