-- decide.lua: an approver of the current step approves, rejects or returns
-- the request for revision, atomically.
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id, as (approver NIP), decision ("approve"|"reject"|"return"),
--          note, idem_key, idem_ttl, now_ms, and the OPD's capacity: at most
--          N people and at most P percent of it away on one day (0: no limit),
--          today (YYYY-MM-DD, the pemda's local day: for delegations)
-- Returns  {"ok", state, step} | {"dup", state} | {"err", CODE, detail}
local p = KEYS[1]
local id, actor, decision, note, key, ttl, now, people, percent, today =
    ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]),
    ARGV[10]

local idem = p .. 'idem:decide:' .. actor .. ':' .. id .. ':' .. key
local previous = redis.call('GET', idem)
if previous then return {'dup', previous} end

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

-- A later step nobody can decide makes this approval the last one
if action == 'approve_step' and not wfa_next_step(p, id, step + 1) then
    action, state = 'approve', 'approved'
end
-- Final approval takes the OPD's capacity for each day, or is refused
-- (before anything is written: a refusal changes nothing)
-- (time flexibility keeps people at the office: it takes no capacity)
-- Flexible work suspended by the monev evaluation: no day up to its end
if state == 'approved' then
    local until_ = redis.call('HGET', p .. 'emp:' .. r[3], 'suspended_until')
    local first = wfa_split(r[10])[1]
    if until_ and first and first <= until_ then return {'err', 'SUSPENDED', until_} end
end
local away = r[12] ~= 'sif' and r[12] ~= 'dinamis'
if state == 'approved' and away then
    local capacity = -1
    if people > 0 then capacity = people end
    if percent > 0 then
        local by_share = math.max(1, math.floor(wfa_mv_people(p, r[4]) * percent / 100))
        if capacity < 0 or by_share < capacity then capacity = by_share end
    end
    local full = wfa_take_capacity(p, r[4], r[3], wfa_split(r[10]), capacity)
    if full then return {'err', 'CAPACITY_FULL', table.concat(full, ', ')} end
end

for _, approver in ipairs(wfa_split(r[2])) do
    redis.call('ZREM', p .. 'idx:approver:' .. approver, id)
end
redis.call('HINCRBY', rkey, 'version', 1)
local written = note
if on_behalf ~= '' then written = '(Plh/Plt for ' .. on_behalf .. ') ' .. note end
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = actor,
    action = decision, from = r[1], to = state, note = written}))
wfa_audit(p, score, id, actor, role, on_behalf, decision, r[1], state, note, policy)
-- Monev: how long this step waited, against its SLA; the record is the
-- figure (member REQUEST|STEP|AT|SLA_MS, score the wait in ms), by day of
-- the decision, for the pemda and the OPD
do
    local chain = wfa_split(redis.call('HGET', rkey, 'chain') or '')
    local sla = tonumber(string.match(chain[step] or '', '^[^:]+:([^:]+)') or '0') or 0
    local wait = score - tonumber(redis.call('HGET', rkey, 'step_opened_at') or now)
    local member = id .. '|' .. step .. '|' .. now .. '|' .. sla
    local day = today
    if day == nil or day == '' then day = 'unknown' end
    redis.call('ZADD', p .. 'mv:step:' .. day .. ':' .. role, wait, member)
    redis.call('ZADD', p .. 'mv:step:' .. day .. ':' .. role .. ':' .. r[4], wait, member)
end

if state == 'pending' then
    wfa_open_step(p, id, step + 1, now, actor)      -- the next step of the chain
else
    redis.call('HSET', rkey, 'state', state, 'decided_at', now, 'decided_by', actor, 'note', note,
               'decided_for', on_behalf)
    wfa_reindex(p, id, r[4], r[1], state, score)
    if state == 'rejected' or state == 'returned' then wfa_release_days(p, r[3], id, '') end
    redis.call('XADD', p .. 'events', '*', 'type', 'request.' .. state, 'data', cmsgpack.pack({
        request_id = id, pemda = r[6], nip = r[3], opd = r[4], decided_by = actor, note = note,
        submitted_at = tonumber(r[5]), at = score}))
end
redis.call('SET', idem, state, 'EX', ttl)
return {'ok', state}
