-- reopen_waiting.lua: open the steps that waited for a role nobody held
-- (NO_APPROVER) once someone holds it (a re-import gave the role, or the
-- atasan came on record); the approvals housekeeping runs it every second.
-- KEYS[1]  key prefix of the pemda
-- ARGV     now_ms, max requests to look at
-- Returns  {reopened, still waiting}
local p = KEYS[1]
local now, max = ARGV[1], tonumber(ARGV[2])
local score = tonumber(now)
local reopened = 0
for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:no_approver', 0, max - 1)) do
    local rkey = p .. 'req:' .. id
    local r = redis.call('HMGET', rkey, 'state', 'waiting', 'step', 'step_role', 'supervisor_nip',
                         'opd', 'nip', 'policy_version')
    if r[1] ~= 'pending' or r[2] ~= 'NO_APPROVER' then
        -- Moved on some other way: no longer waiting
        redis.call('ZREM', p .. 'idx:no_approver', id)
        redis.call('ZREM', p .. 'idx:opd:' .. (r[6] or '') .. ':no_approver', id)
    elseif #wfa_step_approvers(p, r[4], r[5], r[6], r[7]) > 0 then
        local k = tonumber(r[3])
        wfa_open_step(p, id, k, now, 'system')
        local approver = redis.call('HGET', rkey, 'approver') or ''
        redis.call('HINCRBY', rkey, 'version', 1)
        redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = 'system',
            action = 'open_step', from = 'pending', to = 'pending',
            note = 'step ' .. k .. ': ' .. approver .. ' (a ' .. r[4] .. ' now on record)'}))
        wfa_audit(p, score, id, 'system', 'system', '', 'open_step', 'pending', 'pending',
                  'step ' .. k .. ': ' .. approver .. ' (a ' .. r[4] .. ' now on record)', r[8] or '0')
        reopened = reopened + 1
    end
end
return {reopened, redis.call('ZCARD', p .. 'idx:no_approver')}
