-- decide.lua: the assigned approver approves or rejects, atomically.
-- KEYS[1]  key prefix of the pemda
-- ARGV     request_id, as (approver NIP), decision ("approve"|"reject"),
--          note, idem_key, idem_ttl, now_ms
-- Returns  {"ok", state} | {"dup", state} | {"err", CODE, detail}
local p = KEYS[1]
local id, actor, decision, note, key, ttl, now =
    ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]

local idem = p .. 'idem:decide:' .. actor .. ':' .. key
local previous = redis.call('GET', idem)
if previous then return {'dup', previous} end

local rkey = p .. 'req:' .. id
local r = redis.call('HMGET', rkey, 'state', 'approver', 'nip', 'opd', 'submitted_at', 'pemda')
if not r[1] then return {'err', 'NOT_FOUND', id} end
local state = wfa_next_state(r[1], decision)
if not state then return {'err', 'NOT_PENDING', r[1]} end
if r[2] ~= actor then return {'err', 'NOT_YOUR_DECISION', id} end
redis.call('HSET', rkey, 'state', state, 'decided_at', now, 'decided_by', actor, 'note', note)
redis.call('HINCRBY', rkey, 'version', 1)
redis.call('RPUSH', rkey .. ':hist', cmsgpack.pack({at = tonumber(now), actor = actor,
    action = decision, from = r[1], to = state, note = note}))
local score = tonumber(now)
wfa_reindex(p, id, r[4], r[1], state, score)
if state == 'rejected' then wfa_release_days(p, r[3], id) end
wfa_audit(p, score, id, actor, 'atasan', '', decision, r[1], state, note, '0')
redis.call('ZREM', p .. 'idx:approver:' .. actor, id)
redis.call('XADD', p .. 'events', '*', 'type', 'request.' .. state, 'data', cmsgpack.pack({
    request_id = id, pemda = r[6], nip = r[3], opd = r[4], decided_by = actor, note = note,
    submitted_at = tonumber(r[5]), at = score}))
redis.call('SET', idem, state, 'EX', ttl)
return {'ok', state}
