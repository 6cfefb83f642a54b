-- delegate.lua: an approver names an acting official (Plt/Plh) for a date
-- range, or withdraws the delegation; audited.
-- KEYS[1]  key prefix of the pemda
-- ARGV     as (the approver), to (the acting official; "" to withdraw),
--          from, until (YYYY-MM-DD), reason, now_ms, idem_key, idem_ttl
-- Returns  {"ok", "delegated"|"withdrawn"} | {"err", CODE, detail}
local p = KEYS[1]
local actor, to, from, until_, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local idem = p .. 'idem:delegate:' .. actor .. ':' .. ARGV[7]
local previous = redis.call('GET', idem)
if previous then return {'ok', previous} end
local key = p .. 'delegation:' .. actor
local old = redis.call('HGET', key, 'to')
-- Every refusal before any write
if to == '' and not old then return {'err', 'NOT_FOUND', 'no delegation'} end
if to ~= '' and redis.call('EXISTS', p .. 'emp:' .. to) == 0 then return {'err', 'UNKNOWN_EMPLOYEE', to} end
if old then redis.call('SREM', p .. 'delegated_to:' .. old, actor) end
if to == '' then
    redis.call('DEL', key)
    wfa_audit(p, tonumber(now), '', actor, 'approver', '', 'delegation_withdrawn', '', '',
              'from ' .. old, '0')
    redis.call('SET', idem, 'withdrawn', 'EX', ARGV[8])
    return {'ok', 'withdrawn'}
end
redis.call('HSET', key, 'to', to, 'from', from, 'until', until_, 'reason', reason)
redis.call('SADD', p .. 'delegated_to:' .. to, actor)
wfa_audit(p, tonumber(now), '', actor, 'approver', '', 'delegate', '', '',
          to .. ' ' .. from .. '..' .. until_ .. ' ' .. reason, '0')
redis.call('SET', idem, 'delegated', 'EX', ARGV[8])
return {'ok', 'delegated'}
