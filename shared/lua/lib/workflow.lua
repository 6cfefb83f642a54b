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

-- Days a request holds: each date of an active request (submitted, pending,
-- approved) is in days:NIP (date -> request id) and in week:NIP:YYYY-Www
-- (the dates of that ISO week), so overlaps and the weekly cap are checked
-- in the same step that takes the days.
local function wfa_hold_days(p, nip, id, dates, weeks)
    for i = 1, #dates do
        redis.call('HSET', p .. 'days:' .. nip, dates[i], id)
        redis.call('SADD', p .. 'week:' .. nip .. ':' .. weeks[i], dates[i])
    end
end

-- Give back the days of request `id` (rejected, cancelled, revoked, expired).
local function wfa_release_days(p, nip, id)
    local r = redis.call('HMGET', p .. 'req:' .. id, 'dates', 'weeks')
    local dates, weeks = {}, {}
    for date in string.gmatch(r[1] or '', '[^,]+') do dates[#dates + 1] = date end
    for week in string.gmatch(r[2] or '', '[^,]+') do weeks[#weeks + 1] = week end
    for i = 1, #dates do
        if redis.call('HGET', p .. 'days:' .. nip, dates[i]) == id then
            redis.call('HDEL', p .. 'days:' .. nip, dates[i])
            if weeks[i] then redis.call('SREM', p .. 'week:' .. nip .. ':' .. weeks[i], dates[i]) end
        end
    end
end

-- Split a comma-separated list.
local function wfa_split(text)
    local out = {}
    for item in string.gmatch(text or '', '[^,]+') do out[#out + 1] = item end
    return out
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

