#!lua flags=no-writes
-- step_context.lua: what opening a step and judging a final approval need
-- of a request, in one round trip (reads only).
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id
-- Returns  {request (HMGET: opd, policy_version, chain, nip, dates, position),
--           the employee's HGETALL, the calendar's days off (HKEYS)}
local p = KEYS[1]
local r = redis.call('HMGET', p .. 'req:' .. ARGV[1], 'opd', 'policy_version', 'chain', 'nip',
                     'dates', 'position')
return {r, redis.call('HGETALL', p .. 'emp:' .. (r[4] or '')), redis.call('HKEYS', p .. 'calendar')}
