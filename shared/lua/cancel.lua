#!lua
-- cancel.lua: the employee cancels a request, or revoke: a kepala OPD or BKD
-- officer revokes an approved one from a date; atomically.
-- KEYS     the pemda's prefix, the request (req:ID), the idempotency key
--          (idem:ACTION:AS:ID:KEY)
-- ARGV[1]  a msgpack map: id (the request), as (NIP), action ("cancel"|
--          "revoke"), from (the first day given back; "" for the whole
--          request), reason, ttl (of the idempotency key, s), now (ms), today
--          (YYYY-MM-DD, the pemda's local day)
-- Returns  {"ok", state} | {"dup", state} | {"err", CODE, detail}
local p, rkey, idem = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local id, actor, action, from, reason, today = a.id, a.as, a.action, a.from or '', a.reason or '', a.today

local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end

local r = wfa_hmget(rkey, 'state', 'nip', 'opd', 'approver', 'dates', 'policy_version', 'pemda',
                    'submitted_at')
if not r.state then return {'err', 'NOT_FOUND', id} end
local state = wfa_next_state(r.state, action)
if not state then return wfa_bad_state(r.state, action) end
-- The request's first day after today (nil: none left); true if it has begun
local dates = wfa_split(r.dates)
local begun = dates[1] ~= nil and dates[1] <= today
local function first_remaining()
    for _, date in ipairs(dates) do
        if date > today then return date end
    end
    return nil
end
local role
if action == 'cancel' then
    if actor ~= r.nip then return {'err', 'FORBIDDEN', 'only the employee cancels'} end
    role = 'pegawai'
    -- An approved request that has begun is cancelled for its remaining
    -- days (from the date given, if still ahead); any other is cancelled whole
    begun = begun and r.state == 'approved'
    if not begun then from = '' end
    if begun and (from == '' or from <= today) then from = '' end
else
    if redis.call('SISMEMBER', p .. 'role:kepala_opd:opd:' .. r.opd, actor) == 1 then
        role = 'kepala_opd'
    elseif redis.call('SISMEMBER', p .. 'role:bkd', actor) == 1 then
        role = 'bkd'
    else
        return {'err', 'FORBIDDEN', 'only the kepala OPD or BKD revokes'}
    end
    if reason == '' then return {'err', 'MISSING_FIELD', 'reason'} end
    if from ~= '' and from <= today then return {'err', 'DATE_NOT_FUTURE', from} end
end
-- A request that has begun keeps the days already behind it
if begun and from == '' then
    from = first_remaining()
    if not from then return {'err', 'BAD_STATE', 'no remaining days'} end
end

local score = tonumber(a.now)
local refused = wfa_transition(p, {id = id, nip = r.nip, opd = r.opd, action = action,
    from = r.state, to = state, actor = actor, role = role, at = score, policy = r.policy_version, approvers = r.approver,
    fields = {'ended_from', from, 'ended_by', actor, 'end_reason', reason}, note = reason,
    release = from, event = 'request.' .. state, data = {
        request_id = id, pemda = r.pemda, nip = r.nip, opd = r.opd, by = actor, reason = reason,
        approvers = wfa_pending_approvers(r.state, r.approver), from_state = r.state, from_date = from, submitted_at = tonumber(r.submitted_at), at = score}})
if refused then return refused end
wfa_idem_set(idem, a.fp, state, a.ttl)
return {'ok', state}
