#!lua
-- prefs_set.lua: a person's choice of which notices they are emailed.
-- KEYS     the pemda's prefix, the idempotency key (idem:prefs:NIP:KEY), the
--          preferences (prefs:NIP: a hash of notice type -> "off"; a type
--          not in it is on)
-- ARGV[1]  a msgpack map: off, on (notice types, space-separated, checked by
--          the caller: no critical one is ever off), ttl (of the idempotency
--          key, s), fp (the call's fingerprint)
-- Returns  {"ok"|"dup", "set"}
local idem, prefs = KEYS[2], KEYS[3]
local a = cmsgpack.unpack(ARGV[1])
local previous, reused = wfa_idem_get(idem, a.fp)
if reused then return reused end
if previous then return {'dup', previous} end
for kind in string.gmatch(a.off or '', '%S+') do redis.call('HSET', prefs, kind, 'off') end
for kind in string.gmatch(a.on or '', '%S+') do redis.call('HDEL', prefs, kind) end
wfa_idem_set(idem, a.fp, 'set', a.ttl)
return {'ok', 'set'}
