#!lua
-- timers_move.lua: move waiting step deadlines to new due times (after the
-- calendar changed). A timer that fired or whose step was decided in the
-- meantime is gone and stays gone (ZADD XX); the step's recorded deadline
-- (step_due) follows when the step is still the one the timer was set for.
-- KEYS[1]  key prefix of the pemda
-- ARGV     timer, due_ms pairs
-- Returns  the number of deadlines moved
local p = KEYS[1]
local moved = 0
for i = 1, #ARGV - 1, 2 do
    local timer, due = ARGV[i], tonumber(ARGV[i + 1])
    local old = redis.call('ZSCORE', p .. 'timers', timer)
    if old and due and tonumber(old) ~= due then
        redis.call('ZADD', p .. 'timers', 'XX', due, timer)
        local id, k, opened = string.match(timer, '^([^|]+)|([^|]+)|[^|]+|(%d+)$')
        local r = wfa_hmget(p .. 'req:' .. id, 'step', 'step_opened_at')
        if r.step == k and r.step_opened_at == opened then redis.call('HSET', p .. 'req:' .. id, 'step_due', due) end
        moved = moved + 1
    end
end
return moved
