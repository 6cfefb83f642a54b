#!lua flags=no-writes
-- audit_verify.lua: one chunk of a pemda's audit log and of its seals, read at
-- one moment; wfa_audit.c checks the SHA-1 chain, the seals and the anchors.
-- KEYS     the pemda's prefix, its log (audit), seals (audit:mac), head
--          (audit:head) and sequence (audit:seq)
-- ARGV[1]  a msgpack map: start (list index), count
-- Returns  {"ok", entries, seals, length, sealed, head, seq}: up to count entries
--          from start and the seals of those already sealed, the log's length,
--          how many entries are sealed, the stored head and seq
local log, seals, head, seq = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local a = cmsgpack.unpack(ARGV[1])
local first = tonumber(a.start)
local last = first + tonumber(a.count) - 1
return {'ok', redis.call('LRANGE', log, first, last), redis.call('LRANGE', seals, first, last),
        redis.call('LLEN', log), redis.call('LLEN', seals),
        redis.call('GET', head) or WFA_GENESIS, redis.call('GET', seq) or '0'}
