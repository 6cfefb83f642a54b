-- workflow.lua: shared by every Lua step: the build puts it at the head of
-- the Redis Function library "wfa" (tools/build/lua-library.sh), before the
-- steps, which are registered as its functions.
--
-- Keys: a step gets the pemda's prefix "wfa:{P}:" as KEYS[1] and every key it
-- can name from its input after it (the request, the employee, the
-- idempotency key). The keys it derives from stored data (an approver's
-- employee hash, the indexes, the audit log, the outbox) are built from the
-- same prefix, so they carry the same hash tag {P}: all of a pemda's keys are
-- in one Redis Cluster slot, and a step never reaches another's.
--
-- Arguments: one msgpack map (ARGV[1], cmsgpack.unpack), read by name.
-- Replies, every step the same shape: {"ok", value, ...} | {"dup", value,
-- ...} (a retry: the first answer) | {"err", CODE, detail[, field]} |
-- {"errs", CODE, detail, CODE, detail, ...} (every rule broken), which
-- wfa_store_step_result reads; a read-only step answers its data.
--
-- The request's state machine is this one table: a transition not listed here
-- does not happen, whichever service asks for it (wfa_transition refuses it,
-- before it writes anything). The actions that keep the state are listed
-- too: approve_step (a step before the last approved: the next one opens),
-- open_step (a step that waited, NO_APPROVER, opens once someone holds its
-- role), refuse_final (a final approval refused: no longer eligible),
-- escalate. '' is the state of a request not yet submitted.
local WFA_TRANSITIONS = {
    ['']      = { submit = 'submitted' },
    submitted = { open_step = 'pending', cancel = 'cancelled', expire = 'expired' },
    pending   = { approve_step = 'pending', approve = 'approved', reject = 'rejected',
                  ['return'] = 'returned', cancel = 'cancelled', escalate = 'pending',
                  expire = 'expired', open_step = 'pending', refuse_final = 'pending' },
    returned  = { resubmit = 'submitted', cancel = 'cancelled', expire = 'expired' },
    approved  = { cancel = 'cancelled', revoke = 'revoked' },
}

-- The name the history and the audit log give an action, where it is not
-- the table's: an approval is "approve" at every step of the chain.
local WFA_RECORDED_AS = { approve_step = 'approve' }

-- The state `action` leads to from `state`, or nil if it is not allowed.
local function wfa_next_state(state, action)
    local row = WFA_TRANSITIONS[state]
    return row and row[action]
end

-- The one refusal of a transition the table does not list.
local function wfa_bad_state(state, action)
    return {'err', 'BAD_STATE', (state or '') .. ' -/-> ' .. action}
end

-- The fields of hash `key` as a table by name (a field not stored: nil).
local function wfa_hmget(key, ...)
    local names = {...}
    local values = redis.call('HMGET', key, unpack(names))
    local out = {}
    for i = 1, #names do
        if values[i] then out[names[i]] = values[i] end
    end
    return out
end

-- Split a comma-separated list.
local function wfa_split(text)
    local out = {}
    for item in string.gmatch(text or '', '[^,]+') do out[#out + 1] = item end
    return out
end

-- True if `item` is in the comma-separated `list`.
local function wfa_listed(list, item)
    for each in string.gmatch(list or '', '[^,]+') do
        if each == item then return true end
    end
    return false
end

-- ---------------------------------------------------------------------
-- Cursors: every list pages by the position of its last item in its index
-- (sort score and member), exclusive, so a list that grows while it is
-- paged through loses and repeats nothing that was in it (docs/protocol.md,
-- "Lists and cursors"). The cursor a client sees is that position in
-- lowercase hex: opaque, and never anything a client could inject.

-- A position as its cursor ('' stays '').
local function wfa_cursor_encode(text)
    return (string.gsub(text or '', '.', function(c) return string.format('%02x', string.byte(c)) end))
end

-- The position of a cursor ('' for none), or nil if it is no cursor.
local function wfa_cursor_decode(cursor)
    cursor = cursor or ''
    if #cursor % 2 == 1 or string.find(cursor, '[^0-9a-f]') then return nil end
    return (string.gsub(cursor, '..', function(h) return string.char(tonumber(h, 16)) end))
end

-- True if a sorts before b byte by byte (Lua's '<' follows the locale).
local function wfa_bytes_before(a, b)
    for i = 1, math.min(#a, #b) do
        local x, y = string.byte(a, i), string.byte(b, i)
        if x ~= y then return x < y end
    end
    return #a < #b
end

-- One page of the sorted set `index` after the position `after` ('' for the
-- start; "SCORE:MEMBER"), newest first (`reverse`) or oldest first: the
-- members `keep` accepts (nil: all), at most `want` of them, looking at
-- `scan` members at most. Returns the members and the next cursor ('' when
-- nothing is left after them), or nil for a position that is none.
local function wfa_page(index, after, want, reverse, keep, scan)
    local score, member
    if after ~= '' then
        score, member = string.match(after, '^(%-?[%d.e+]+):(.+)$')
        if not score or not tonumber(score) then return nil end
        score = tonumber(score)
    end
    local out, looked, last = {}, 0, nil
    local offset = 0
    local bound = score and string.format('%.17g', score) or (reverse and '+inf' or '-inf')
    while true do
        local batch
        if reverse then
            batch = redis.call('ZREVRANGEBYSCORE', index, bound, '-inf', 'WITHSCORES', 'LIMIT', offset, 200)
        else
            batch = redis.call('ZRANGEBYSCORE', index, bound, '+inf', 'WITHSCORES', 'LIMIT', offset, 200)
        end
        if #batch == 0 then return out, '' end
        for i = 1, #batch, 2 do
            local each, at = batch[i], batch[i + 1]
            -- Of the members of the cursor's own score, only those after it
            local beyond = not score or tonumber(at) ~= score
                or (reverse and wfa_bytes_before(each, member))
                or (not reverse and wfa_bytes_before(member, each))
            if beyond then
                if #out >= want or looked >= scan then return out, wfa_cursor_encode(last or after) end
                looked = looked + 1
                if not keep or keep(each) then out[#out + 1] = each end
                last = at .. ':' .. each
            end
        end
        offset = offset + 200
    end
end

-- One page of the sorted set `index` whose members all score 0 (in byte
-- order: EMPLOYEE.LIST, SCHEDULE.GET) after the member `after` ('' for the
-- start): at most `want` members and the next cursor ('' when nothing is
-- left after them).
local function wfa_lex_page(index, after, want)
    local from = '-'
    if after ~= '' then from = '(' .. after end
    local members = redis.call('ZRANGEBYLEX', index, from, '+', 'LIMIT', 0, want + 1)
    if #members <= want then return members, '' end
    members[#members] = nil
    return members, wfa_cursor_encode(members[#members])
end

-- Requests changed, for REQUEST.LIST changed_since: each request once in
-- idx:changed, scored by the pemda's change counter (chg:seq) at its latest
-- change. Kept bounded: past WFA_CHANGES_KEPT requests the least recently
-- changed go, and chg:floor remembers the highest counter dropped, so an
-- older sync cursor is refused (CURSOR_EXPIRED) rather than silently short.
local WFA_CHANGES_KEPT = 100000

local function wfa_changed(p, id)
    local seq = redis.call('INCR', p .. 'chg:seq')
    redis.call('ZADD', p .. 'idx:changed', seq, id)
    -- Trimmed once in a thousand changes, to the bound
    if seq % 1000 == 0 then
        local over = redis.call('ZCARD', p .. 'idx:changed') - WFA_CHANGES_KEPT
        if over > 0 then
            local dropped = redis.call('ZRANGE', p .. 'idx:changed', over - 1, over - 1, 'WITHSCORES')
            redis.call('ZREMRANGEBYRANK', p .. 'idx:changed', 0, over - 1)
            redis.call('SET', p .. 'chg:floor', dropped[2])
        end
    end
end

-- The schedule of a day (SCHEDULE.GET): sched:DATE and sched:opd:OPD:DATE
-- hold "NIP|REQUEST_ID" (score 0, in NIP order) for every approved request
-- holding that date. Added at the final approval, taken away when the
-- request is cancelled or revoked from a date on (`from`; '' for all);
-- the employee's move of OPD takes the days ahead to the new OPD's
-- (sched_opd, import.lua), a move of pemda ends them (leave.lua).
local function wfa_schedule(p, id, add, from)
    local r = wfa_hmget(p .. 'req:' .. id, 'dates', 'opd', 'nip', 'sched_opd')
    -- The employee moved OPD since: their days ahead are listed there (import.lua)
    if not add and r.sched_opd then r.opd = r.sched_opd end
    local member = (r.nip or '') .. '|' .. id
    for _, date in ipairs(wfa_split(r.dates)) do
        if add then
            redis.call('ZADD', p .. 'sched:' .. date, 0, member)
            redis.call('ZADD', p .. 'sched:opd:' .. (r.opd or '') .. ':' .. date, 0, member)
        elseif (from or '') == '' or date >= from then
            redis.call('ZREM', p .. 'sched:' .. date, member)
            redis.call('ZREM', p .. 'sched:opd:' .. (r.opd or '') .. ':' .. date, member)
        end
    end
end

-- True if the employee `nip` was deactivated (EMPLOYEE.DEACTIVATE).
local function wfa_inactive(p, nip)
    return redis.call('HGET', p .. 'emp:' .. nip, 'active') == '0'
end

-- The audit log of a pemda: a list whose every entry is chained to the one
-- before by SHA-1, so altering, inserting or removing any entry breaks the
-- chain (audit_verify.lua). An entry is 13 fields joined by the unit
-- separator (byte 31): seq, at, request_id, actor, role, on_behalf_of,
-- action, from, to, reason, policy_version, then prev (the previous hash)
-- and hash = sha1(prev .. US .. the first 11 fields joined).
local WFA_US = '\31'
local WFA_GENESIS = '0000000000000000000000000000000000000000'    -- 40 zeros

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

-- Who may decide a step of role `role`: the employee's atasan; the OPD's
-- kepala_opd; any bkd officer of the pemda. Never the employee, nor anyone
-- deactivated.
local function wfa_step_approvers(p, role, supervisor, opd, nip)
    local list
    if role == 'atasan' then
        list = {supervisor}
    elseif role == 'kepala_opd' then
        list = redis.call('SMEMBERS', p .. 'role:kepala_opd:opd:' .. opd)
    else
        list = redis.call('SMEMBERS', p .. 'role:' .. role)
    end
    local out = {}
    for _, each in ipairs(list) do
        -- A deactivated employee decides nothing (their roles stay on record),
        -- nor one not on record in the pemda (an atasan who moved away)
        if each ~= '' and each ~= nip then
            local e = wfa_hmget(p .. 'emp:' .. each, 'opd', 'active')
            if e.opd and e.active ~= '0' then out[#out + 1] = each end
        end
    end
    table.sort(out)
    return out
end

-- True if `principal` delegated to `actor` for `today` (Plt/Plh), both of
-- them active: a deactivated employee acts for nobody, and nobody acts for
-- them (the delegation stays on record, inert, until either comes back).
local function wfa_delegated(p, principal, actor, today)
    local d = wfa_hmget(p .. 'delegation:' .. principal, 'to', 'from', 'until')
    return d.to == actor and d.from <= today and today <= d['until']
       and not wfa_inactive(p, actor) and not wfa_inactive(p, principal)
end

-- The approver `actor` acts for: themself if listed, else the listed
-- approver who delegated to them for `today` (Plt/Plh). nil if neither, or
-- if `actor` was deactivated (a deactivated employee decides nothing).
local function wfa_acting_for(p, approvers, actor, today)
    if wfa_inactive(p, actor) then return nil end
    if wfa_listed(approvers, actor) then return actor, '' end
    for _, approver in ipairs(wfa_split(approvers)) do
        if wfa_delegated(p, approver, actor, today) then return actor, approver end
    end
    return nil
end

-- True if `nip` holds one of `roles` in the pemda (the pemda's own people
-- only: a NIP of another pemda holds nothing here).
local function wfa_holds(p, nip, roles)
    for _, role in ipairs(roles) do
        if redis.call('SISMEMBER', p .. 'role:' .. role, nip) == 1 then return role end
    end
    return nil
end

-- Who manages the pemda's credentials (its API tokens, its identity provider):
-- the operator's key (a.operator "1") or an admin pemda of p (a.as). Their role,
-- for the audit, or nil.
local function wfa_credentials_manager(p, a)
    if a.operator == '1' then return 'operator' end
    return wfa_holds(p, a.as, {'admin_pemda'})
end

-- The pemda's BKD officers and admin pemda, but `nip`: who is told that a
-- request waits for a role nobody holds (NO_APPROVER).
local function wfa_no_approver_watchers(p, nip)
    local seen, out = {}, {}
    for _, role in ipairs({'bkd', 'admin_pemda'}) do
        for _, each in ipairs(redis.call('SMEMBERS', p .. 'role:' .. role)) do
            if each ~= nip and not seen[each] then seen[each] = true; out[#out + 1] = each end
        end
    end
    table.sort(out)
    return out
end

-- Open step k of a request's chain ("role:sla:action,..." in the request).
-- A step whose role nobody holds is not skipped: the request waits at it
-- with `waiting` = NO_APPROVER, indexed in idx:no_approver (and per OPD) for
-- the BKD and admin pemda, who are told; wfa_reopen_waiting opens it once
-- someone holds the role. Returns the number of approvers (0: waiting).
-- `dues` (may be nil) lists, comma-separated, when each step of the chain
-- opened `now` runs out in the pemda's working time (computed in C:
-- wfa_calendar_deadline); without it the SLA counts from now. `opened` says
-- why the step opens, for approval.pending: 'submitted' (step 1 of a
-- submission or a resubmission), 'approved' (`actor` approved the step
-- before) or, when nil, 'reopened' (the step opens anew: someone holds its
-- role now, or its approver left).
local function wfa_open_step(p, id, k, now, actor, dues, opened)
    local rkey = p .. 'req:' .. id
    local r = wfa_hmget(rkey, 'chain', 'supervisor_nip', 'opd', 'nip', 'pemda', 'name',
                        'policy_version', 'waiting')
    local chain = wfa_split(r.chain or 'atasan:24:remind')
    local role = string.match(chain[k] or '', '^([^:]+)') or 'atasan'
    local approvers = wfa_step_approvers(p, role, r.supervisor_nip, r.opd, r.nip)
    if #approvers == 0 then
        redis.call('HSET', rkey, 'step', k, 'steps', #chain, 'step_role', role, 'approver', '',
                   'waiting', 'NO_APPROVER', 'waiting_since', now, 'step_opened_at', now)
        redis.call('HDEL', rkey, 'step_due')    -- no SLA runs while nobody can decide
        redis.call('ZADD', p .. 'idx:no_approver', tonumber(now), id)
        redis.call('ZADD', p .. 'idx:opd:' .. r.opd .. ':no_approver', tonumber(now), id)
        wfa_audit(p, tonumber(now), id, actor, 'system', '', 'no_approver', 'pending', 'pending',
                  'step ' .. k .. ': no ' .. role .. ' on record', r.policy_version or '0')
        redis.call('XADD', p .. 'events', '*', 'type', 'approval.no_approver', 'data', cmsgpack.pack({
            request_id = id, pemda = r.pemda, nip = r.nip, name = r.name or '', opd = r.opd,
            role = role, step = k, steps = #chain, at = tonumber(now),
            notify = wfa_no_approver_watchers(p, r.nip)}))
        return 0
    end
    if r.waiting then
        redis.call('HDEL', rkey, 'waiting', 'waiting_since')
        redis.call('ZREM', p .. 'idx:no_approver', id)
        redis.call('ZREM', p .. 'idx:opd:' .. r.opd .. ':no_approver', id)
    end
    local list = table.concat(approvers, ',')
    -- The step's deadline: a durable timer (timers_due.lua fires it once)
    local sla_ms = tonumber(string.match(chain[k], '^[^:]+:([^:]+)') or '0') or 0
    local on_timeout = string.match(chain[k], '^[^:]+:[^:]+:(.+)$') or 'remind'
    local due = tonumber(wfa_split(dues)[k] or '') or tonumber(now) + sla_ms
    redis.call('HSET', rkey, 'step', k, 'steps', #chain, 'step_role', role,
               'approver', list, 'step_opened_at', now, 'step_due', due)
    if sla_ms > 0 then
        redis.call('ZADD', p .. 'timers', due, id .. '|' .. k .. '|' .. on_timeout .. '|' .. now)
    end
    for _, approver in ipairs(approvers) do
        redis.call('ZADD', p .. 'idx:approver:' .. approver, tonumber(now), id)
    end
    redis.call('XADD', p .. 'events', '*', 'type', 'approval.pending', 'data', cmsgpack.pack({
        request_id = id, pemda = r.pemda, nip = r.nip, name = r.name, opd = r.opd,
        approver = approvers[1], approvers = approvers, role = role, step = k,
        steps = #chain, at = tonumber(now), opened = opened or 'reopened',
        by = opened == 'approved' and actor or ''}))
    return #approvers
end
-- Move request `id` from the state indexes of `from` to those of `to`.
local function wfa_reindex(p, id, opd, from, to, score)
    if from == 'pending' and to ~= 'pending' then
        -- No longer waiting for anyone (cancelled, expired)
        redis.call('HDEL', p .. 'req:' .. id, 'waiting', 'waiting_since')
        redis.call('ZREM', p .. 'idx:no_approver', id)
        redis.call('ZREM', p .. 'idx:opd:' .. opd .. ':no_approver', id)
    end
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
local function wfa_hold_days(p, nip, id, dates, weeks, location)
    for i = 1, #dates do
        redis.call('HSET', p .. 'days:' .. nip, dates[i], id)
        if location then
            redis.call('SADD', p .. 'week:' .. nip .. ':' .. weeks[i], dates[i])
        end
    end
end

-- Give back the days of request `id` from date `from` on ('' for all):
-- rejected, returned, cancelled, revoked, expired. The OPD capacity it took
-- for those days is given back too.
local function wfa_release_days(p, nip, id, from)
    local r = wfa_hmget(p .. 'req:' .. id, 'dates', 'weeks', 'opd', 'unit')
    local dates, weeks = wfa_split(r.dates), wfa_split(r.weeks)
    local opd, unit = r.opd or '', r.unit or ''
    for i = 1, #dates do
        if (from or '') ~= '' and dates[i] < from then
            -- a day already behind: kept
        elseif redis.call('HGET', p .. 'days:' .. nip, dates[i]) == id then
            redis.call('SREM', p .. 'cap:' .. opd .. ':' .. dates[i], nip)
            if unit ~= '' then
                redis.call('SREM', p .. 'ucap:' .. opd .. ':' .. unit .. ':' .. dates[i], nip)
            end
            redis.call('HDEL', p .. 'days:' .. nip, dates[i])
            if weeks[i] then redis.call('SREM', p .. 'week:' .. nip .. ':' .. weeks[i], dates[i]) end
        end
    end
end

-- Who held a request in state `state` with approver list `approver`: its
-- current step's approvers while it is pending, else none (an array, for
-- request.cancelled: they are told it needs no decision any more).
local function wfa_pending_approvers(state, approver)
    if state ~= 'pending' then return {} end
    return wfa_split(approver)
end

-- The one write sequence of a request's state change (or of a step of it
-- that keeps the state: from == to), which every step that moves a request
-- goes through: the approvers the request leaves drop it from their inboxes
-- (t.approvers, comma-separated), the state and t.fields (name, value, ...),
-- the version, the history entry (t.note, plus t.hist's fields), the state
-- indexes, the days given back (t.release: '' all, a date: from it on; nil:
-- kept) and the day schedules (wfa_schedule), the change index
-- (wfa_changed), the audit entry (t.reason, else t.note) and the outbox event
-- (t.event, its data t.data; nil: none). t also names the request (id, nip,
-- opd), the move (action, from, to), who (actor, role, on_behalf), when (at,
-- ms) and under which policy version (policy).
-- Returns nil, or the refusal (BAD_STATE, nothing written) when the state
-- table does not lead from t.from to t.to by t.action: the caller answers it.
local function wfa_transition(p, t)
    local to = wfa_next_state(t.from, t.action)
    if not to or to ~= t.to then return wfa_bad_state(t.from, t.action) end
    local recorded = WFA_RECORDED_AS[t.action] or t.action
    local rkey = p .. 'req:' .. t.id
    for _, approver in ipairs(wfa_split(t.approvers)) do
        redis.call('ZREM', p .. 'idx:approver:' .. approver, t.id)
    end
    local fields = t.fields or {}
    if t.from ~= t.to then
        fields[#fields + 1] = 'state'
        fields[#fields + 1] = t.to
    end
    if #fields > 0 then redis.call('HSET', rkey, unpack(fields)) end
    redis.call('HINCRBY', rkey, 'version', 1)
    local entry = {at = t.at, actor = t.actor, action = recorded, from = t.from, to = t.to,
                   note = t.note or ''}
    for name, value in pairs(t.hist or {}) do entry[name] = value end
    redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack(entry))
    if t.from ~= t.to then wfa_reindex(p, t.id, t.opd, t.from, t.to, t.at) end
    if t.release then wfa_release_days(p, t.nip, t.id, t.release) end
    wfa_audit(p, t.at, t.id, t.actor, t.role, t.on_behalf or '', recorded, t.from, t.to,
              t.reason or t.note or '', t.policy or '0')
    if t.to == 'approved' and t.from ~= 'approved' then wfa_schedule(p, t.id, true) end
    if t.from == 'approved' and t.to ~= 'approved' then wfa_schedule(p, t.id, false, t.release) end
    wfa_changed(p, t.id)
    if t.event then
        redis.call('XADD', p .. 'events', '*', 'type', t.event, 'data', cmsgpack.pack(t.data))
    end
end

-- An employee leaves (deactivated, or moved to another pemda): their
-- requests not decided yet are cancelled by the system, whole; an approved
-- one from its first day that is on or after `from` and after `today` (the
-- days behind stay, as a cancel by the employee keeps them). `why` is the
-- note. Returns the number cancelled, or nil and a refusal.
local function wfa_end_requests(p, nip, from, today, now, why)
    local cancelled = 0
    for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:nip:' .. nip, 0, -1)) do
        local r = wfa_hmget(p .. 'req:' .. id, 'state', 'opd', 'approver', 'dates', 'policy_version',
                            'pemda', 'submitted_at')
        local release
        if r.state == 'submitted' or r.state == 'pending' or r.state == 'returned' then
            release = ''
        elseif r.state == 'approved' then
            for n, date in ipairs(wfa_split(r.dates)) do
                if date >= from and date > today then
                    release = n == 1 and '' or date
                    break
                end
            end
        end
        if release then
            local refused = wfa_transition(p, {id = id, nip = nip, opd = r.opd, action = 'cancel',
                from = r.state, to = 'cancelled', actor = 'system', role = 'system', at = now,
                policy = r.policy_version, approvers = r.approver,
                fields = {'ended_from', release, 'ended_by', 'system', 'end_reason', why}, note = why,
                release = release, event = 'request.cancelled', data = {
                    request_id = id, pemda = r.pemda, nip = nip, opd = r.opd, by = 'system', reason = why,
                    approvers = wfa_pending_approvers(r.state, r.approver),
                    from_state = r.state, from_date = release, submitted_at = tonumber(r.submitted_at),
                    at = now}})
            if refused then return nil, refused end
            cancelled = cancelled + 1
        end
    end
    return cancelled
end

-- The steps that awaited an employee who leaves (wfa_inactive already true
-- of them) go on without them: with the other approvers listed (an
-- escalated step keeps whom it escalated to); when nobody else is listed,
-- the step waits (NO_APPROVER) and the approvals housekeeping opens it anew
-- to whoever holds its role, within a second, its deadline in the pemda's
-- working time (reopen_waiting.lua); nobody holds it: it stays waiting, as
-- any step of a role nobody holds (wfa_open_step). Returns the number of
-- steps, or nil and a refusal.
local function wfa_leave_steps(p, nip, now, how)
    local reopened = 0
    for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:approver:' .. nip, 0, -1)) do
        local rkey = p .. 'req:' .. id
        local r = wfa_hmget(rkey, 'state', 'step', 'step_role', 'approver', 'supervisor_nip', 'nip',
                            'opd', 'policy_version')
        redis.call('ZREM', p .. 'idx:approver:' .. nip, id)
        if r.state == 'pending' and wfa_listed(r.approver, nip) then
            local others = {}
            for _, each in ipairs(wfa_split(r.approver)) do
                if each ~= nip and not wfa_inactive(p, each) then others[#others + 1] = each end
            end
            local note = 'step ' .. r.step .. ': ' .. nip .. ' ' .. how
            if #others > 0 then
                redis.call('HSET', rkey, 'approver', table.concat(others, ','))
                note = note .. ', ' .. table.concat(others, ',') .. ' decide'
            elseif #wfa_step_approvers(p, r.step_role, r.supervisor_nip, r.opd, r.nip) == 0 then
                wfa_open_step(p, id, tonumber(r.step), now, 'system')
                note = note .. ', NO_APPROVER'
            else
                redis.call('HSET', rkey, 'approver', '', 'waiting', 'NO_APPROVER', 'waiting_since', now)
                redis.call('HDEL', rkey, 'step_due')
                redis.call('ZADD', p .. 'idx:no_approver', now, id)
                redis.call('ZADD', p .. 'idx:opd:' .. r.opd .. ':no_approver', now, id)
                note = note .. ', to reopen'
            end
            local refused = wfa_transition(p, {id = id, nip = r.nip, opd = r.opd, action = 'open_step',
                from = 'pending', to = 'pending', actor = 'system', role = 'system', at = now,
                policy = r.policy_version, approvers = nip, note = note})
            if refused then return nil, refused end
            reopened = reopened + 1
        end
    end
    return reopened
end
