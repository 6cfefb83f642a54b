#!lua
-- delegate.lua: a superior appoints an acting official (Plt/Plh) for an
-- approver, for a date range, under an order (nomor surat), or withdraws the
-- appointment; audited. The appointer is a BKD officer of the pemda, or the
-- kepala OPD of the approver's OPD; nobody appoints their own stand-in.
-- KEYS[1]  key prefix of the pemda
-- ARGV     as (the appointer), approver, to (the acting official; "" to
--          withdraw), from, until (YYYY-MM-DD), reason, now_ms, idem_key,
--          idem_ttl, order_ref (the order's reference, nomor surat)
-- Returns  {"ok", "delegated"|"withdrawn"} | {"err", CODE, detail, field}
local p = KEYS[1]
local actor, approver, to, from, until_, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5],
    ARGV[6], ARGV[7]
local order = ARGV[10] or ''
local idem = p .. 'idem:delegate:' .. actor .. ':' .. ARGV[8]
local previous = redis.call('GET', idem)
if previous then return {'ok', previous} end
-- Every refusal before any write
local opd = redis.call('HGET', p .. 'emp:' .. approver, 'opd')
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
local key = p .. 'delegation:' .. approver
local old = redis.call('HGET', key, 'to')
if to == '' and not old then return {'err', 'NOT_FOUND', 'no delegation', 'approver'} end
if to ~= '' and redis.call('EXISTS', p .. 'emp:' .. to) == 0 then
    return {'err', 'UNKNOWN_EMPLOYEE', to, 'to'}
end
if old then redis.call('SREM', p .. 'delegated_to:' .. old, approver) end
if to == '' then
    redis.call('DEL', key)
    wfa_audit(p, tonumber(now), '', actor, role, approver, 'delegation_withdrawn', '', '',
              'from ' .. old .. ' ' .. reason, '0')
    redis.call('SET', idem, 'withdrawn', 'EX', ARGV[9])
    return {'ok', 'withdrawn'}
end
redis.call('HSET', key, 'to', to, 'from', from, 'until', until_, 'reason', reason,
           'order_ref', order, 'appointed_by', actor, 'appointed_at', now)
redis.call('SADD', p .. 'delegated_to:' .. to, approver)
wfa_audit(p, tonumber(now), '', actor, role, approver, 'delegate', '', '',
          to .. ' ' .. from .. '..' .. until_ .. ' surat ' .. order .. ' ' .. reason, '0')
redis.call('SET', idem, 'delegated', 'EX', ARGV[9])
return {'ok', 'delegated'}
