#!lua flags=no-writes
-- context.lua: what judging a submission needs, in one round trip.
-- KEYS     the pemda's prefix, its policy version (policy:current), the
--          employee (emp:NIP), the calendar, the Ramadan days (ramadan)
-- ARGV[1]  a msgpack map (empty: the keys say it all)
-- Returns  {"ok", policy version ("0": none set), employee HGETALL, calendar HGETALL,
--          Ramadan days HGETALL (date -> name)}
return {'ok', redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[3]),
        redis.call('HGETALL', KEYS[4]), redis.call('HGETALL', KEYS[5])}
