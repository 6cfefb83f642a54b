-- workflow.lua: shared by every Lua step; the build puts it in front of each script.
--
-- The request's state machine is this one table: a transition not listed here
-- does not happen, whichever service asks for it.
local WFA_TRANSITIONS = {
    submitted = { open_step = 'pending' },
    pending   = { approve = 'approved', reject = 'rejected' },
}

-- The state `action` leads to from `state`, or nil if it is not allowed.
local function wfa_next_state(state, action)
    local row = WFA_TRANSITIONS[state]
    return row and row[action]
end

-- Move request `id` from the state indexes of `from` to those of `to`.
local function wfa_reindex(p, id, opd, from, to, score)
    if from ~= '' then
        redis.call('ZREM', p .. 'idx:state:' .. from, id)
        redis.call('ZREM', p .. 'idx:opd:' .. opd .. ':state:' .. from, id)
    end
    redis.call('ZADD', p .. 'idx:state:' .. to, score, id)
    redis.call('ZADD', p .. 'idx:opd:' .. opd .. ':state:' .. to, score, id)
end

-- The audit log of a pemda: a list whose every entry is chained to the one
-- before by SHA-1, so altering, inserting or removing any entry breaks the
-- chain (audit_verify.lua). An entry is 13 fields joined by the unit
-- separator (byte 31): seq, at, request_id, actor, role, on_behalf_of,
-- action, from, to, reason, policy_version, then prev (the previous hash)
-- and hash = sha1(prev .. US .. the first 11 fields joined).
local WFA_US = '\31'
local WFA_GENESIS = string.rep('0', 40)

local function wfa_audit(p, at, id, actor, role, on_behalf, action, from, to, reason, policy)
    local seq = redis.call('INCR', p .. 'audit:seq')
    local prev = redis.call('GET', p .. 'audit:head') or WFA_GENESIS
    local fields = {tostring(seq), tostring(at), id, actor, role, on_behalf, action, from, to,
                    reason, policy}
    for i = 1, #fields do fields[i] = string.gsub(fields[i], WFA_US, ' ') end
    local body = table.concat(fields, WFA_US)
    local hash = redis.sha1hex(prev .. WFA_US .. body)
    redis.call('RPUSH', p .. 'audit', body .. WFA_US .. prev .. WFA_US .. hash)
    redis.call('SET', p .. 'audit:head', hash)
    if id ~= '' then redis.call('RPUSH', p .. 'req:' .. id .. ':audit', seq) end
    return hash
end

