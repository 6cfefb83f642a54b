#!lua flags=no-writes
-- context.lua: what judging a submission needs, in one round trip.
-- KEYS[1]  key prefix of the pemda
-- ARGV     nip
-- Returns  {policy version ("0": none set), employee HGETALL, calendar HGETALL,
--          Ramadan days HGETALL (date -> name)}
local p = KEYS[1]
return {redis.call('GET', p .. 'policy:current') or '0',
        redis.call('HGETALL', p .. 'emp:' .. ARGV[1]),
        redis.call('HGETALL', p .. 'calendar'),
        redis.call('HGETALL', p .. 'ramadan')}
