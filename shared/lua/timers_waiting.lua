#!lua flags=no-writes
-- timers_waiting.lua: the step deadlines waiting in a pemda's timers, with
-- what computing them again needs (reads only): when the calendar changes,
-- each is moved to where the new calendar puts it (timers_move.lua).
-- KEYS     the pemda's prefix, its timers (timers)
-- ARGV[1]  a msgpack map (empty: the keys say it all)
-- Returns  {"ok", timer, opened_ms, sla_ms, ...} for each live step timer
--          ("REQUEST|STEP|ACTION|OPENED_AT"; first-day timers left out, and
--          so are the timers of a step already decided or closed, which
--          timers_due.lua drops unfired when they come due)
local p, timers = KEYS[1], KEYS[2]
local out = {'ok'}
for _, timer in ipairs(redis.call('ZRANGE', timers, 0, -1)) do
    local id, k, opened = string.match(timer, '^([^|]+)|([^|]+)|[^|]+|(%d+)$')
    local r = id and wfa_hmget(p .. 'req:' .. id, 'chain', 'state', 'step', 'step_opened_at')
    if id and k ~= '0' and r.state == 'pending' and r.step == k and r.step_opened_at == opened then
        local chain = wfa_split(r.chain)
        local sla = string.match(chain[tonumber(k) or 0] or '', '^[^:]+:(%d+)')
        if sla then
            out[#out + 1] = timer
            out[#out + 1] = opened
            out[#out + 1] = sla
        end
    end
end
return out
