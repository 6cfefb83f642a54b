#!lua
-- reopen_waiting.lua: open the steps that waited for a role nobody held
-- (NO_APPROVER) once someone holds it (a re-import gave the role, or the
-- atasan came on record); the approvals housekeeping runs it every second,
-- in two calls: the first finds the steps that can open, the second opens
-- them with their deadlines in the pemda's working time (which the service
-- computes from the calendar, as for any step).
-- KEYS[1]  key prefix of the pemda
-- ARGV     now_ms, max requests to open, and "" to find, or the steps to
--          open: "REQUEST=DUE,DUE,...;..." (each step's deadline if opened now)
-- Returns  {reopened, still waiting, REQUEST...}: the requests whose step can
--          open now (finding), or none (opening: reopened counts them)
local p = KEYS[1]
local now, max, dues = ARGV[1], tonumber(ARGV[2]), ARGV[3] or ''
local score = tonumber(now)

-- A waiting request whose step can open now: its fields, or nil (and off
-- the waiting index when it moved on some other way)
local function ready(id)
    local r = redis.call('HMGET', p .. 'req:' .. id, 'state', 'waiting', 'step', 'step_role',
                         'supervisor_nip', 'opd', 'nip', 'policy_version')
    if r[1] ~= 'pending' or r[2] ~= 'NO_APPROVER' then
        redis.call('ZREM', p .. 'idx:no_approver', id)
        redis.call('ZREM', p .. 'idx:opd:' .. (r[6] or '') .. ':no_approver', id)
        return nil
    end
    if #wfa_step_approvers(p, r[4], r[5], r[6], r[7]) == 0 then return nil end
    return r
end

if dues == '' then
    -- Every waiting request is looked at (up to 10,000), so the ones that can
    -- open are found behind any number that cannot; at most max are opened
    local out = {0, 0}
    for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:no_approver', 0, 9999)) do
        if #out - 2 >= max then break end
        if ready(id) then out[#out + 1] = id end
    end
    out[2] = redis.call('ZCARD', p .. 'idx:no_approver')
    return out
end

local reopened = 0
for id, due in string.gmatch(dues, '([^=;]+)=([^;]*)') do
    local r = ready(id)
    if r then
        local rkey = p .. 'req:' .. id
        local k = tonumber(r[3])
        wfa_open_step(p, id, k, now, 'system', due)
        local approver = redis.call('HGET', rkey, 'approver') or ''
        redis.call('HINCRBY', rkey, 'version', 1)
        local note = 'step ' .. k .. ': ' .. approver .. ' (a ' .. r[4] .. ' now on record)'
        redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = 'system',
            action = 'open_step', from = 'pending', to = 'pending', note = note}))
        wfa_audit(p, score, id, 'system', 'system', '', 'open_step', 'pending', 'pending', note,
                  r[8] or '0')
        reopened = reopened + 1
    end
end
return {reopened, redis.call('ZCARD', p .. 'idx:no_approver')}
