#!lua
-- cancel.lua: the employee cancels a request, or revoke: a kepala OPD or BKD
-- officer revokes an approved one from a date; atomically.
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id, as (NIP), action ("cancel"|"revoke"), from (the first
--          day given back; "" for the whole request), reason, idem_key,
--          idem_ttl, now_ms, today (YYYY-MM-DD, the pemda's local day)
-- Returns  {"ok", state} | {"dup", state} | {"err", CODE, detail}
local p = KEYS[1]
local id, actor, action, from, reason, key, ttl, now, today =
    ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]

local idem = p .. 'idem:' .. action .. ':' .. actor .. ':' .. id .. ':' .. key
local previous = redis.call('GET', idem)
if previous then return {'dup', previous} end

local rkey = p .. 'req:' .. id
local r = redis.call('HMGET', rkey, 'state', 'nip', 'opd', 'approver', 'dates', 'policy_version',
                     'pemda', 'submitted_at')
if not r[1] then return {'err', 'NOT_FOUND', id} end
local state = wfa_next_state(r[1], action)
if not state then return {'err', 'BAD_STATE', r[1] .. ' -/-> ' .. action} end
local role
if action == 'cancel' then
    if actor ~= r[2] then return {'err', 'FORBIDDEN', 'only the employee cancels'} end
    role = 'pegawai'
    -- An approved request that has begun is cancelled for its remaining
    -- days; any other is cancelled whole
    local dates = wfa_split(r[5])
    if not (r[1] == 'approved' and dates[1] and dates[1] <= today) then from = '' end
    if r[1] == 'approved' and dates[1] and dates[1] <= today then
        if from == '' or from <= today then
            from = ''
            for _, date in ipairs(dates) do
                if date > today then from = date; break end
            end
            if from == '' then return {'err', 'BAD_STATE', 'no remaining days'} end
        end
    end
else
    if redis.call('SISMEMBER', p .. 'role:kepala_opd:opd:' .. r[3], actor) == 1 then
        role = 'kepala_opd'
    elseif redis.call('SISMEMBER', p .. 'role:bkd', actor) == 1 then
        role = 'bkd'
    else
        return {'err', 'FORBIDDEN', 'only the kepala OPD or BKD revokes'}
    end
    if reason == '' then return {'err', 'MISSING_FIELD', 'reason'} end
    if from ~= '' and from <= today then return {'err', 'DATE_NOT_FUTURE', from} end
    -- A request that has begun keeps the days already behind it
    local dates = wfa_split(r[5])
    if from == '' and dates[1] and dates[1] <= today then
        for _, date in ipairs(dates) do
            if date > today then from = date; break end
        end
        if from == '' then return {'err', 'BAD_STATE', 'no remaining days'} end
    end
end

local score = tonumber(now)
for _, approver in ipairs(wfa_split(r[4])) do
    redis.call('ZREM', p .. 'idx:approver:' .. approver, id)
end
redis.call('HSET', rkey, 'state', state, 'ended_from', from, 'ended_by', actor, 'end_reason', reason)
redis.call('HINCRBY', rkey, 'version', 1)
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = actor, action = action,
    from = r[1], to = state, note = reason}))
wfa_reindex(p, id, r[3], r[1], state, score)
wfa_release_days(p, r[2], id, from)
wfa_audit(p, score, id, actor, role, '', action, r[1], state, reason, r[6] or '0')
redis.call('XADD', p .. 'events', '*', 'type', 'request.' .. state, 'data', cmsgpack.pack({
    request_id = id, pemda = r[7], nip = r[2], opd = r[3], by = actor, reason = reason,
    from_state = r[1], from_date = from, submitted_at = tonumber(r[8]), at = score}))
redis.call('SET', idem, state, 'EX', ttl)
return {'ok', state}
