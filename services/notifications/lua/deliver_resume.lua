#!lua
-- deliver_resume.lua: unpause a delivery group; its held deliveries are
-- queued, due now.
-- KEYS     the pemda's prefix
-- ARGV[1]  a msgpack map: group, now (ms)
-- Returns  {"ok", how many were queued}
local a = cmsgpack.unpack(ARGV[1])
return {'ok', wfa_deliver_resume(KEYS[1], a.group, a.now)}
