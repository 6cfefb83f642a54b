#!lua
-- delegate.lua: a superior appoints an acting official (Plt/Plh) for an
-- approver, for a date range, under an order (nomor surat), or withdraws the
-- appointment; audited. The appointer is a BKD officer of the pemda, or the
-- kepala OPD of the approver's OPD; nobody appoints their own stand-in.
-- KEYS     the pemda's prefix, the approver (emp:NIP), their delegation
--          (delegation:NIP), the idempotency key (idem:delegate:AS:KEY)
-- ARGV[1]  a msgpack map: as (the appointer), approver, to (the acting
--          official; none to withdraw), from, until (YYYY-MM-DD), reason,
--          now (ms), ttl (of the idempotency key, s), order_ref (the order's
--          reference, nomor surat)
-- Returns  {"ok", "delegated"|"withdrawn"} | {"dup", "delegated"|"withdrawn"} |
--          {"err", CODE, detail, field}
local p, akey, key, idem = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local actor, approver, to, from, until_, now = a.as, a.approver, a.to or '', a.from or '', a['until'] or '', a.now
local reason, order = a.reason or '', a.order_ref or ''
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
-- Every refusal before any write
local opd = redis.call('HGET', akey, 'opd')
if not opd then return {'err', 'UNKNOWN_EMPLOYEE', approver, 'approver'} end
if actor == approver then
    return {'err', 'FORBIDDEN', 'an approver does not appoint their own Plt/Plh', 'approver'}
end
local role
if redis.call('SISMEMBER', p .. 'role:bkd', actor) == 1 then
    role = 'bkd'
elseif redis.call('SISMEMBER', p .. 'role:kepala_opd:opd:' .. opd, actor) == 1 then
    role = 'kepala_opd'
else
    return {'err', 'FORBIDDEN', 'the kepala OPD of ' .. opd .. ' or a BKD officer appoints', 'as'}
end
-- Nobody appoints themselves: a BKD officer acting for a kepala OPD would
-- decide two steps of one request
if to ~= '' and to == actor then
    return {'err', 'FORBIDDEN', 'nobody appoints themselves as Plt/Plh', 'to'}
end
local old = redis.call('HGET', key, 'to')
if to == '' and not old then return {'err', 'NOT_FOUND', 'no delegation', 'approver'} end
if to ~= '' and redis.call('EXISTS', p .. 'emp:' .. to) == 0 then
    return {'err', 'UNKNOWN_EMPLOYEE', to, 'to'}
end
-- A deactivated employee acts for nobody
if to ~= '' and wfa_inactive(p, to) then return {'err', 'EMPLOYEE_INACTIVE', to, 'to'} end
if old then redis.call('SREM', p .. 'delegated_to:' .. old, approver) end
if to == '' then
    redis.call('DEL', key)
    wfa_audit(p, tonumber(now), '', actor, role, approver, 'delegation_withdrawn', '', '',
              'from ' .. old .. ' ' .. reason, '0')
    wfa_idem_set(idem, a.fp, 'withdrawn', a.ttl)
    return {'ok', 'withdrawn'}
end
redis.call('HSET', key, 'to', to, 'from', from, 'until', until_, 'reason', reason,
           'order_ref', order, 'appointed_by', actor, 'appointed_at', now)
redis.call('SADD', p .. 'delegated_to:' .. to, approver)
wfa_audit(p, tonumber(now), '', actor, role, approver, 'delegate', '', '',
          to .. ' ' .. from .. '..' .. until_ .. ' surat ' .. order .. ' ' .. reason, '0')
wfa_idem_set(idem, a.fp, 'delegated', a.ttl)
return {'ok', 'delegated'}
