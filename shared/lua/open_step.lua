-- open_step.lua: open the approval step of a submitted request (idempotent).
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id, now_ms
-- Returns  "ok" | "skip" (already opened or decided) | "missing"
local p = KEYS[1]
local id, now = ARGV[1], ARGV[2]
local rkey = p .. 'req:' .. id
local r = redis.call('HMGET', rkey, 'state', 'supervisor_nip', 'nip', 'opd', 'pemda', 'name')
if not r[1] then return 'missing' end
local to = wfa_next_state(r[1], 'open_step')
if not to then return 'skip' end
local approver, nip, opd, pemda = r[2], r[3], r[4], r[5]

redis.call('HSET', rkey, 'state', to, 'approver', approver, 'step', 1)
redis.call('HINCRBY', rkey, 'version', 1)
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = tonumber(now), actor = 'system',
    action = 'open_step', from = 'submitted', to = 'pending', note = 'atasan ' .. approver}))
local score = tonumber(now)
wfa_reindex(p, id, opd, r[1], to, score)
wfa_audit(p, score, id, 'system', 'system', '', 'open_step', r[1], to, 'atasan ' .. approver, '0')
redis.call('ZADD', p .. 'idx:approver:' .. approver, score, id)
redis.call('XADD', p .. 'events', '*', 'type', 'approval.pending', 'data', cmsgpack.pack({
    request_id = id, pemda = pemda, nip = nip, name = r[6], opd = opd, approver = approver,
    step = 1, at = score}))
return 'ok'
