#!lua
-- monev_ekinerja.lua: a batch of e-kinerja items from an integrator.
-- KEYS     the pemda's prefix (each item's keys are made from it: a batch
--          names many employees)
-- ARGV[1]  a msgpack map: source (the sending system), items (an array of
--          maps, each checked by the caller: id, type "target"|"log"|
--          "rating", nip, fp (the item's canonical text), and by type: period
--          YYYY-MM, rhk, quantity (target); date, rhk, quantity (log);
--          period, predikat (rating))
-- Returns  {"ok", results}, results an array with one result per item:
--          "created", "duplicate" (the
--          same id with the same content: nothing changes), "conflict:WHY"
--          (the same id with other content, or another value on record for
--          the same target or rating: nothing is overwritten), or
--          "unknown_employee".
-- An item's id is remembered for good per source (mv:ek:SOURCE:ID); the
-- raw records keep the OPD and whether the day was a flexible day when
-- the item came, so a rebuild counts them the same way. A log adds to its
-- RHK's figures of the day once with an accepted LKH of the same RHK and day
-- (wfa_mv_rhk_move): the same work reported twice counts once.
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local source, items = a.source, a.items
local results = {}
for i, item in ipairs(items) do
    local ek = p .. 'mv:ek:' .. source .. ':' .. item.id
    local old = redis.call('GET', ek)
    local e = wfa_hmget(p .. 'emp:' .. item.nip, 'opd', 'roles')
    local opd = e.opd
    local result = 'created'
    if old then
        if old == item.fp then result = 'duplicate' else result = 'conflict:id ' .. item.id .. ' was sent before with other content' end
    elseif not opd then
        result = 'unknown_employee'
    elseif wfa_mv_service(e.roles) then
        result = 'service_account'
    elseif item.type == 'target' then
        local tk = p .. 'mv:tgt:' .. item.nip
        local field = item.period .. '|' .. item.rhk
        local cur = redis.call('HGET', tk, field)
        if cur then
            local qty = string.match(cur, '^([^|]*)')
            if tonumber(qty) == item.quantity then result = 'duplicate'
            else result = 'conflict:target ' .. field .. ' is ' .. qty .. ' on record' end
        else
            redis.call('HSET', tk, field, item.quantity .. '|' .. opd .. '|' .. source .. '|' .. item.id)
            wfa_mv_target(p, item.period, opd, item.nip, 't:' .. item.nip .. '|' .. item.rhk, item.quantity)
            wfa_mv_pair(p, opd, item.nip, item.rhk)
        end
    elseif item.type == 'log' then
        local flex = 0
        if wfa_mv_flex_day(p, item.nip, item.date) then flex = 1 end
        redis.call('HSET', p .. 'mv:real:' .. item.nip, item.date .. '|' .. source .. '|' .. item.id,
                   item.quantity .. '|' .. item.rhk .. '|' .. flex .. '|' .. opd)
        -- The day's RHK counts once with an accepted LKH of it
        local old_ek = wfa_mv_ek(p, item.nip, item.date, item.rhk)
        local new_ek = {item.quantity, flex, opd}
        if old_ek then
            new_ek = {old_ek[1] + item.quantity, math.max(old_ek[2], flex), old_ek[3]}
            if opd < old_ek[3] then new_ek[3] = opd end
        end
        redis.call('HSET', p .. 'mv:q:' .. item.nip, item.date .. '|' .. item.rhk, table.concat(new_ek, '|'))
        local stored = redis.call('HGET', p .. 'mv:rep:' .. item.nip, item.date)
        local report = stored and cmsgpack.unpack(stored)
        local lkh = wfa_mv_lkh(report, item.rhk)
        local lkh_opd = report and report.opd or ''
        wfa_mv_rhk_move(p, item.date, item.nip, item.rhk, wfa_mv_rhk_count(lkh, lkh_opd, old_ek),
                        wfa_mv_rhk_count(lkh, lkh_opd, new_ek))
    else
        local rk = p .. 'mv:rating:' .. item.nip
        local cur = redis.call('HGET', rk, item.period)
        local predikat = cur and string.match(cur, '^([^|]*)')
        if cur and predikat ~= item.predikat then
            result = 'conflict:rating ' .. item.period .. ' is ' .. predikat .. ' on record'
        elseif cur then
            result = 'duplicate'
        else
            redis.call('HSET', rk, item.period, item.predikat .. '|' .. source .. '|' .. item.id)
            -- The latest period's predikat is what the eligibility rule reads
            local latest = redis.call('HGET', p .. 'emp:' .. item.nip, 'predikat_period') or ''
            if item.period >= latest then
                redis.call('HSET', p .. 'emp:' .. item.nip, 'predikat', item.predikat,
                           'predikat_period', item.period)
            end
        end
    end
    if result == 'created' or (result == 'duplicate' and not old) then
        redis.call('SET', ek, item.fp)
    end
    results[i] = result
end
return {'ok', results}
