#!lua
-- import.lua: create or update one employee of a pemda.
-- KEYS     the pemda's prefix, the employee (emp:NIP), the people of the
--          employee's OPD (opd:OPD), the pemda's OPDs (opds)
-- ARGV[1]  a msgpack map: employee (a map of the fields given: nip, name,
--          pemda, opd, position, supervisor_nip and roles always; the
--          optional ones, such as service_start, sanctions, predikat,
--          position_eligible, field_based, home, unit, working_days, only
--          when given: those not given keep their stored values)
-- The lists of people (EMPLOYEE.LIST, in NIP order): emps and emps:opd:OPD
-- hold everyone on record, emps:active and emps:opd:OPD:active those not
-- deactivated. A deactivated employee (active = "0", EMPLOYEE.DEACTIVATE)
-- is updated like anyone, but counts in no OPD or unit and holds no role
-- set until reactivated (the roles stay in the record).
--          today (the pemda's local day: a move of OPD takes the days ahead of
--          the employee's approved requests to the new OPD's schedule)
-- Returns  {"ok", "created"} | {"ok", "updated"}
local p, ekey, people, opds = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local a = cmsgpack.unpack(ARGV[1])
local e = a.employee
local nip, opd = e.nip, e.opd
local old = wfa_hmget(ekey, 'opd', 'roles', 'unit', 'active')
local old_opd = old.opd
local active = old.active ~= '0'
if old_opd and old_opd ~= opd then
    redis.call('SREM', p .. 'opd:' .. old_opd, nip)
    redis.call('ZREM', p .. 'emps:opd:' .. old_opd, nip)
    redis.call('ZREM', p .. 'emps:opd:' .. old_opd .. ':active', nip)
    -- The days ahead of their approved requests follow them to the new OPD's
    -- schedule (SCHEDULE.GET with opd); the days up to today stay where they
    -- were. sched_opd: where the request's days ahead are listed now
    for _, id in ipairs(redis.call('ZRANGE', p .. 'idx:nip:' .. nip, 0, -1)) do
        local r = wfa_hmget(p .. 'req:' .. id, 'state', 'dates', 'opd', 'sched_opd')
        if r.state == 'approved' then
            local member = nip .. '|' .. id
            for _, date in ipairs(wfa_split(r.dates)) do
                if date > (a.today or '')
                and redis.call('ZREM', p .. 'sched:opd:' .. (r.sched_opd or r.opd or '') .. ':' .. date, member) == 1 then
                    redis.call('ZADD', p .. 'sched:opd:' .. opd .. ':' .. date, 0, member)
                end
            end
            redis.call('HSET', p .. 'req:' .. id, 'sched_opd', opd)
        end
    end
end
-- Sub-units: the people of each unit of an OPD (unit capacity, decide.lua)
if (old.unit or '') ~= '' then redis.call('SREM', p .. 'unit:' .. old_opd .. ':' .. old.unit, nip) end
-- Role indexes: who holds a role in the pemda, and in each OPD
for role in string.gmatch(old.roles or '', '[^;]+') do
    redis.call('SREM', p .. 'role:' .. role, nip)
    redis.call('SREM', p .. 'role:' .. role .. ':opd:' .. (old_opd or ''), nip)
end
for role in string.gmatch(active and e.roles or '', '[^;]+') do
    redis.call('SADD', p .. 'role:' .. role, nip)
    redis.call('SADD', p .. 'role:' .. role .. ':opd:' .. opd, nip)
end
for name, value in pairs(e) do redis.call('HSET', ekey, name, value) end
if active then redis.call('SADD', people, nip) end
redis.call('SADD', opds, opd)
local unit = redis.call('HGET', ekey, 'unit') or ''
if unit ~= '' and active then redis.call('SADD', p .. 'unit:' .. opd .. ':' .. unit, nip) end
redis.call('ZADD', p .. 'emps', 0, nip)
redis.call('ZADD', p .. 'emps:opd:' .. opd, 0, nip)
if active then
    redis.call('ZADD', p .. 'emps:active', 0, nip)
    redis.call('ZADD', p .. 'emps:opd:' .. opd .. ':active', 0, nip)
end
if old_opd then return {'ok', 'updated'} end
return {'ok', 'created'}
