-- monev_ekinerja.lua: a batch of e-kinerja items from an integrator.
-- KEYS[1]  key prefix of the pemda
-- ARGV     source (the sending system), items (msgpack array of maps, each
--          checked by the caller: id, type "target"|"log"|"rating", nip,
--          fp (the item's canonical text), and by type: period YYYY-MM,
--          rhk, quantity (target); date, rhk, quantity (log); period,
--          predikat (rating))
-- Returns  an array with one result per item: "created", "duplicate" (the
--          same id with the same content: nothing changes), "conflict:WHY"
--          (the same id with other content, or another value on record for
--          the same target or rating: nothing is overwritten), or
--          "unknown_employee".
-- An item's id is remembered for good per source (mv:ek:SOURCE:ID); the
-- raw records keep the OPD and whether the day was a flexible day when
-- the item came, so a rebuild counts them the same way.
local p = KEYS[1]
local source = ARGV[1]
local items = cmsgpack.unpack(ARGV[2])
local results = {}
for i, item in ipairs(items) do
    local ek = p .. 'mv:ek:' .. source .. ':' .. item.id
    local old = redis.call('GET', ek)
    local opd = redis.call('HGET', p .. 'emp:' .. item.nip, 'opd')
    local result = 'created'
    if old then
        if old == item.fp then result = 'duplicate' else result = 'conflict:id ' .. item.id .. ' was sent before with other content' end
    elseif not opd then
        result = 'unknown_employee'
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
            wfa_mv_target(p, item.period, opd, item.nip, item.quantity)
        end
    elseif item.type == 'log' then
        local flex = 0
        if wfa_mv_flex_day(p, item.nip, item.date) then flex = 1 end
        redis.call('HSET', p .. 'mv:real:' .. item.nip, item.date .. '|' .. source .. '|' .. item.id,
                   item.quantity .. '|' .. item.rhk .. '|' .. flex .. '|' .. opd)
        wfa_mv_add(p, item.date, opd, item.nip, 'real', item.quantity)
        wfa_mv_add(p, item.date, opd, item.nip, 'real_flex', item.quantity * flex)
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
return results
