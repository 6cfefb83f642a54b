#!lua
-- open_step.lua: open the first approval step of a submitted request (idempotent).
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id, now_ms, and when each step of the chain opened now
--          runs out (comma-separated ms, in working time; "" or none: SLA from now)
-- Returns  "ok" | "skip" (already opened or decided) | "missing"
local p = KEYS[1]
local id, now, dues = ARGV[1], ARGV[2], ARGV[3]
local rkey = p .. 'req:' .. id
local r = redis.call('HMGET', rkey, 'state', 'opd', 'policy_version')
if not r[1] then return 'missing' end
local to = wfa_next_state(r[1], 'open_step')
if not to then return 'skip' end

local score = tonumber(now)
redis.call('HSET', rkey, 'state', to)
redis.call('HINCRBY', rkey, 'version', 1)
-- A step whose role nobody holds waits (NO_APPROVER) instead of opening
local found = wfa_open_step(p, id, 1, now, 'system', dues)
local step = redis.call('HMGET', rkey, 'approver', 'step_role')
local note = 'step 1: ' .. (step[1] or '')
if found == 0 then note = 'step 1: NO_APPROVER (no ' .. (step[2] or '') .. ' on record)' end
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = score, actor = 'system',
    action = 'open_step', from = r[1], to = to, note = note}))
wfa_reindex(p, id, r[2], r[1], to, score)
wfa_audit(p, score, id, 'system', 'system', '', 'open_step', r[1], to, note, r[3] or '0')
return 'ok'
