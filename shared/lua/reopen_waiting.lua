#!lua
-- reopen_waiting.lua: open the steps that waited for a role nobody held
-- (NO_APPROVER) once someone holds it (a re-import gave the role, or the
-- atasan came on record); the approvals housekeeping runs it every second,
-- in two calls: the first finds the steps that can open, the second opens
-- them with their deadlines in the pemda's working time (which the service
-- computes from the calendar, as for any step).
-- KEYS     the pemda's prefix, its waiting index (idx:no_approver)
-- ARGV[1]  a msgpack map: now (ms), max (requests to open), and to find,
--          nothing more; to open, dues: the steps to open, request id ->
--          "DUE,DUE,..." (each step's deadline if opened now)
-- Returns  {"ok", reopened, still waiting, REQUEST...}: the requests whose step can
--          open now (finding), or none (opening: reopened counts them)
local p, waiting = KEYS[1], KEYS[2]
local a = cmsgpack.unpack(ARGV[1])
local now, max, dues = a.now, tonumber(a.max), a.dues
local score = tonumber(now)

-- A waiting request whose step can open now: its fields, or nil (and off
-- the waiting index when it moved on some other way)
local function ready(id)
    local r = wfa_hmget(p .. 'req:' .. id, 'state', 'waiting', 'step', 'step_role',
                        'supervisor_nip', 'opd', 'nip', 'policy_version')
    if r.state ~= 'pending' or r.waiting ~= 'NO_APPROVER' then
        redis.call('ZREM', waiting, id)
        redis.call('ZREM', p .. 'idx:opd:' .. (r.opd or '') .. ':no_approver', id)
        return nil
    end
    if #wfa_step_approvers(p, r.step_role, r.supervisor_nip, r.opd, r.nip) == 0 then return nil end
    return r
end

if not dues then
    -- Every waiting request is looked at (up to 10,000), so the ones that can
    -- open are found behind any number that cannot; at most max are opened
    local out = {'ok', 0, 0}
    for _, id in ipairs(redis.call('ZRANGE', waiting, 0, 9999)) do
        if #out - 3 >= max then break end
        if ready(id) then out[#out + 1] = id end
    end
    out[3] = redis.call('ZCARD', waiting)
    return out
end

local reopened = 0
for id, due in pairs(dues) do
    local r = ready(id)
    if r then
        local k = tonumber(r.step)
        wfa_open_step(p, id, k, now, 'system', due)
        local approver = redis.call('HGET', p .. 'req:' .. id, 'approver') or ''
        -- ready() found it pending, where open_step is listed: this is not refused
        local refused = wfa_transition(p, {id = id, nip = r.nip, opd = r.opd, action = 'open_step',
            from = r.state, to = wfa_next_state(r.state, 'open_step'), actor = 'system',
            role = 'system', at = score, policy = r.policy_version,
            note = 'step ' .. k .. ': ' .. approver .. ' (a ' .. r.step_role .. ' now on record)'})
        if refused then return refused end
        reopened = reopened + 1
    end
end
return {'ok', reopened, redis.call('ZCARD', waiting)}
