#!lua flags=no-writes
-- step_context.lua: what opening a step and judging a final approval need
-- of a request, in one round trip (reads only).
-- KEYS     the pemda's prefix, the request (req:ID), the calendar
-- ARGV[1]  a msgpack map (empty: the keys say it all)
-- Returns  {"ok", request {opd, policy_version, chain, nip, dates, position} (in
--           that order, false where absent), the employee's HGETALL, the
--           calendar's days off (HKEYS)}
local p, rkey, calendar = KEYS[1], KEYS[2], KEYS[3]
local names = {'opd', 'policy_version', 'chain', 'nip', 'dates', 'position'}
local r = wfa_hmget(rkey, unpack(names))
local fields = {}
for i, name in ipairs(names) do fields[i] = r[name] or false end
return {'ok', fields, redis.call('HGETALL', p .. 'emp:' .. (r.nip or '')), redis.call('HKEYS', calendar)}
