#!lua
-- deactivate.lua: an employee leaves (EMPLOYEE.DEACTIVATE: moved out,
-- retired, ...) or comes back (EMPLOYEE.REACTIVATE), atomically. Nothing is
-- deleted: the record stays, marked active = "0" with why and from when.
-- Inactive, the employee counts in no OPD or unit (opd:OPD, unit:...), holds
-- no role set (so no step awaits them: wfa_step_approvers), and leaves the
-- active lists (emps:active, emps:opd:OPD:active). Their requests not
-- decided yet are cancelled by the system, an approved one from `from` on
-- (its days already behind are kept);
-- the steps that awaited them go on without them (below).
-- KEYS     the pemda's prefix, the employee (emp:NIP), the idempotency key
--          (idem:employee:ACTION:WHO:NIP:KEY, WHO the caller)
-- ARGV[1]  a msgpack map: action ("deactivate"|"reactivate"), nip, reason,
--          from (YYYY-MM-DD, the first day gone), note, actor (who, for the
--          record), role (theirs, or "operator"), now (ms), today (the
--          pemda's local day), ttl (of the idempotency key, s)
-- Returns  {"ok"|"dup", cancelled, reopened} | {"err", CODE, detail}
local p, ekey, idem = KEYS[1], KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local nip, now, actor = a.nip, tonumber(a.now), a.actor
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then
    local cancelled, reopened = string.match(previous, '^(%d+),(%d+)$')
    return {'dup', cancelled, reopened}
end
local e = wfa_hmget(ekey, 'opd', 'roles', 'unit', 'active')
if not e.opd then return {'err', 'UNKNOWN_EMPLOYEE', nip} end
local opd, unit = e.opd, e.unit or ''
local roles = wfa_split((string.gsub(e.roles or '', ';', ',')))

if a.action == 'reactivate' then
    if e.active ~= '0' then return {'err', 'BAD_STATE', 'active -/-> reactivate'} end
    redis.call('HDEL', ekey, 'active', 'deactivated_from', 'deactivation_reason', 'deactivation_note',
               'deactivated_by', 'deactivated_at')
    redis.call('SADD', p .. 'opd:' .. opd, nip)
    if unit ~= '' then redis.call('SADD', p .. 'unit:' .. opd .. ':' .. unit, nip) end
    for _, role in ipairs(roles) do
        redis.call('SADD', p .. 'role:' .. role, nip)
        redis.call('SADD', p .. 'role:' .. role .. ':opd:' .. opd, nip)
    end
    redis.call('ZADD', p .. 'emps:active', 0, nip)
    redis.call('ZADD', p .. 'emps:opd:' .. opd .. ':active', 0, nip)
    wfa_audit(p, now, '', actor, a.role, '', 'employee_reactivate', 'inactive', 'active',
              nip .. ((a.note or '') ~= '' and (': ' .. a.note) or ''), '0')
    wfa_idem_set(idem, a.fp, '0,0', a.ttl)
    return {'ok', '0', '0'}
end

if e.active == '0' then return {'err', 'BAD_STATE', 'inactive -/-> deactivate'} end
local from, reason = a.from, a.reason
redis.call('HSET', ekey, 'active', '0', 'deactivated_from', from, 'deactivation_reason', reason,
           'deactivation_note', a.note or '', 'deactivated_by', actor, 'deactivated_at', now)
redis.call('SREM', p .. 'opd:' .. opd, nip)
if unit ~= '' then redis.call('SREM', p .. 'unit:' .. opd .. ':' .. unit, nip) end
for _, role in ipairs(roles) do
    redis.call('SREM', p .. 'role:' .. role, nip)
    redis.call('SREM', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
redis.call('ZREM', p .. 'emps:active', nip)
redis.call('ZREM', p .. 'emps:opd:' .. opd .. ':active', nip)
local why = 'employee deactivated: ' .. reason .. ' from ' .. from
wfa_audit(p, now, '', actor, a.role, '', 'employee_deactivate', 'active', 'inactive',
          nip .. ': ' .. reason .. ' from ' .. from .. ((a.note or '') ~= '' and (': ' .. a.note) or ''), '0')

local cancelled, refused = wfa_end_requests(p, nip, from, a.today, now, why)
if refused then return refused end
local reopened
reopened, refused = wfa_leave_steps(p, nip, now, 'deactivated')
if refused then return refused end
wfa_idem_set(idem, a.fp, cancelled .. ',' .. reopened, a.ttl)
return {'ok', tostring(cancelled), tostring(reopened)}
