#!lua flags=no-writes
-- audit_verify.lua: one chunk of a pemda's audit log and of its seals, read at
-- one moment; wfa_audit.c checks the SHA-1 chain, the seals and the anchors.
-- KEYS[1]  key prefix of the pemda
-- ARGV     start (list index), count
-- Returns  {entries, seals, length, sealed, head, seq}: up to count entries
--          from start and the seals of those already sealed, the log's length,
--          how many entries are sealed, the stored head and seq
local p = KEYS[1]
local first, last = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1
return {redis.call('LRANGE', p .. 'audit', first, last),
        redis.call('LRANGE', p .. 'audit:mac', first, last),
        redis.call('LLEN', p .. 'audit'), redis.call('LLEN', p .. 'audit:mac'),
        redis.call('GET', p .. 'audit:head') or WFA_GENESIS, redis.call('GET', p .. 'audit:seq') or '0'}
