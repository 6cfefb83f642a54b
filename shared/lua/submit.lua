#!lua
-- submit.lua: store a new request and its request.submitted event, atomically.
-- KEYS[1]  key prefix of the pemda, "wfa:{35.08}:"
-- ARGV     pemda, idem_key, idem_ttl, nip, kind, dates (comma-separated),
--          location, reason, plan (msgpack array), now_ms, weeks (the ISO
--          week of each date, comma-separated), weekly cap (-1: none),
--          policy version, approval chain ("role:sla_hours:on_timeout,..."),
--          and for a resubmission the id of the returned request ("" if new),
--          the moment the first day begins (ms: undecided then, it expires),
--          the schedule of a time kind ("DATE=HH:MM-HH:MM,..." or ""), and the
--          time kind beside a location kind ("sif", "dinamis" or "")
-- Returns  {"ok", request_id} | {"dup", request_id} | {"err", CODE} |
--          {"errs", CODE, detail, CODE, detail, ...} (every rule broken)
local p = KEYS[1]
local pemda, key, ttl, nip = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local kind, dates, location, reason, plan, now = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local weeks, cap, policy, chain, again = ARGV[11], tonumber(ARGV[12]), ARGV[13], ARGV[14], ARGV[15] or ''
local starts, schedule, time_kind = ARGV[16] or '', ARGV[17] or '', ARGV[18] or ''

local idem = p .. 'idem:submit:' .. nip .. ':' .. (ARGV[15] or '') .. ':' .. key
local previous = redis.call('GET', idem)
if previous then return {'dup', previous} end

local employee = redis.call('HMGET', p .. 'emp:' .. nip, 'opd', 'supervisor_nip', 'name', 'position')
if not employee[1] then return {'err', 'UNKNOWN_EMPLOYEE'} end
if not employee[2] or employee[2] == '' then return {'err', 'NO_APPROVER'} end
-- The atasan must be on record in the same pemda to see and decide it
if redis.call('EXISTS', p .. 'emp:' .. employee[2]) == 0 then return {'err', 'NO_APPROVER'} end
local opd, supervisor, name = employee[1], employee[2], employee[3]

-- A step whose role nobody holds does not refuse the request: it waits at
-- that step with NO_APPROVER, for the BKD and admin pemda to see (open_step)

-- A resubmission: the employee's own request, returned for revision
local previous_state = ''
if again ~= '' then
    local was = redis.call('HMGET', p .. 'req:' .. again, 'state', 'nip')
    if not was[1] then return {'err', 'NOT_FOUND', again} end
    if was[2] ~= nip then return {'err', 'FORBIDDEN', 'only the employee resubmits'} end
    if not wfa_next_state(was[1], 'resubmit') then
        return {'err', 'BAD_STATE', was[1] .. ' -/-> resubmit'}
    end
    previous_state = was[1]
end

-- The days must be free, and each ISO week within the cap, counting the
-- employee's other active requests: checked and taken in this one step, so
-- parallel submissions cannot pass the cap together
local date_list, week_list = wfa_split(dates), wfa_split(weeks)
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
    id = string.format('REQ-%s-%06d', pemda, redis.call('INCR', p .. 'seq'))
end
local rkey = p .. 'req:' .. id
local score = tonumber(now)
redis.call('HSET', rkey, 'request_id', id, 'pemda', pemda, 'nip', nip, 'name', name,
    'opd', opd, 'kind', kind, 'dates', dates, 'location', location, 'reason', reason,
    'plan', plan, 'state', 'submitted', 'supervisor_nip', supervisor, 'approver', '',
    'decided_at', 0, 'decided_by', '', 'note', '', 'weeks', weeks, 'policy_version', policy,
    'chain', chain, 'step', 0, 'schedule', schedule, 'time_kind', time_kind,
    'position', employee[4] or '')
redis.call('HINCRBY', rkey, 'version', 1)
-- A resubmission is assessed anew: the records of the returned round go
if again ~= '' then redis.call('HDEL', rkey, 'assessment', 'proposal') end
wfa_hold_days(p, nip, id, date_list, week_list, kind ~= 'sif' and kind ~= 'dinamis')
if starts ~= '' then redis.call('ZADD', p .. 'timers', tonumber(starts), id .. '|0|start') end
local action = 'submit'
if again == '' then
    -- A resubmission keeps its first submission time: lead time counts from it
    redis.call('HSET', rkey, 'submitted_at', now)
    redis.call('ZADD', p .. 'idx:all', score, id)
    redis.call('ZADD', p .. 'idx:opd:' .. opd, score, id)
    redis.call('ZADD', p .. 'idx:nip:' .. nip, score, id)
else
    action = 'resubmit'
end
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = nip,
    action = action, from = previous_state, to = 'submitted', note = ''}))
wfa_reindex(p, id, opd, previous_state, 'submitted', score)
wfa_audit(p, score, id, nip, 'pegawai', '', action, previous_state, 'submitted', reason, policy)
-- A resubmission opens the chain again, and is not counted as a new request
local event = 'request.submitted'
if again ~= '' then event = 'request.resubmitted' end
redis.call('XADD', p .. 'events', '*', 'type', event, 'data', cmsgpack.pack({
    request_id = id, pemda = pemda, nip = nip, name = name, opd = opd, kind = kind, time_kind = time_kind,
    dates = date_list, supervisor_nip = supervisor, at = score}))

redis.call('SET', idem, id, 'EX', ttl)
return {'ok', id}
