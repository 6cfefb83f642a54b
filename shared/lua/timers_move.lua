#!lua
-- timers_move.lua: move waiting step deadlines to new due times (after the
-- calendar changed). A timer that fired or whose step was decided in the
-- meantime is gone and stays gone (ZADD XX); the step's recorded deadline
-- (step_due) follows when the step is still the one the timer was set for.
-- KEYS     the pemda's prefix, its timers (timers)
-- ARGV[1]  a msgpack map: dues (a map: timer -> due, ms)
-- Returns  {"ok", the number of deadlines moved}
local p, timers = KEYS[1], KEYS[2]
local moved = 0
for timer, due in pairs(cmsgpack.unpack(ARGV[1]).dues or {}) do
    due = tonumber(due)
    local old = redis.call('ZSCORE', timers, timer)
    if old and due and tonumber(old) ~= due then
        redis.call('ZADD', timers, 'XX', due, timer)
        local id, k, opened = string.match(timer, '^([^|]+)|([^|]+)|[^|]+|(%d+)$')
        local r = wfa_hmget(p .. 'req:' .. id, 'step', 'step_opened_at')
        if r.step == k and r.step_opened_at == opened then
            redis.call('HSET', p .. 'req:' .. id, 'step_due', due)
            wfa_changed(p, id)
        end
        moved = moved + 1
    end
end
return {'ok', moved}
