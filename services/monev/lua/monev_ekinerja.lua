#!lua
-- monev_ekinerja.lua: a batch of e-kinerja items from an integrator.
-- KEYS     the pemda's prefix (each item's keys are made from it: a batch
--          names many employees)
-- ARGV[1]  a msgpack map: source (the sending system), actor (who pushes,
--          for the history), now (ms), items (an array of maps, each checked
--          by the caller: id, type "target"|"log"|"rating", nip, fp (the
--          item's canonical text), replaces and reason (a correction: the id
--          of the earlier item of the same source it replaces, and why; ""
--          otherwise), and by type: period YYYY-MM, rhk, quantity (target);
--          date, rhk, quantity (log); period, predikat (rating))
-- Returns  {"ok", results}, results an array with one result per item:
--          "created", "duplicate" (the
--          same id with the same content: nothing changes), "conflict:WHY"
--          (the same id with other content, or another value on record for
--          the same target or rating: nothing is overwritten; or a
--          correction of an item that cannot be replaced), "replaced" (a
--          correction stored: the earlier item superseded), or
--          "unknown_employee".
-- An item's id is remembered for good per source (mv:ek:SOURCE:ID); the
-- raw records keep the OPD and whether the day was a flexible day when
-- the item came, so a rebuild counts them the same way. A log adds to its
-- RHK's figures of the day once with an accepted LKH of the same RHK and day
-- (wfa_mv_rhk_move): the same work reported twice counts once.
-- History (EKINERJA.GET): every item stored is kept in mv:ekh:NIP (SOURCE|ID
-- -> msgpack map of the item, when it came, and once replaced by whom, when
-- and why), in order of arrival in mv:ekhz:NIP (scored now * 1000 + the
-- item's place in its batch). A correction takes the
-- earlier item's part out of the raw records (and so of the figures) and
-- puts its own in; the earlier one stays in the history, superseded.
local p = KEYS[1]
local a = cmsgpack.unpack(ARGV[1])
local source, items, now = a.source, a.items, tonumber(a.now)
if a.idem then
    local previous, reused = wfa_idem_get(a.idem, a.fp)
    if reused then return reused end
    if previous then return {'ok', wfa_split_on(previous, '\31')} end
end
local results = {}

-- An item's fields from its canonical text (type|nip|period|date|rhk|
-- quantity|predikat[|replaces ID]): for the items stored before the
-- history was kept.
local function from_fp(id, fp)
    local f = wfa_split_bar(fp)
    return {source = source, id = id, type = f[1], nip = f[2], period = f[3], date = f[4], rhk = f[5],
            quantity = tonumber(f[6]) or 0, predikat = f[7], at = 0}
end

-- The day's e-kinerja part of an RHK recounted from the raw logs, as the
-- rebuild counts it: {sum, flex, opd}, or nil when no log is left.
local function recount(nip, date, rhk)
    local e
    local real = redis.call('HGETALL', p .. 'mv:real:' .. nip)
    for j = 1, #real, 2 do
        local f = wfa_split_bar(real[j + 1])
        if string.match(real[j], '^([^|]*)') == date and f[2] == rhk then
            if not e then
                e = {tonumber(f[1]), tonumber(f[3]), f[4]}
            else
                e[1], e[2] = e[1] + tonumber(f[1]), math.max(e[2], tonumber(f[3]))
                if f[4] < e[3] then e[3] = f[4] end
            end
        end
    end
    return e
end

-- Move a day's RHK figures from old_ek to what the raw logs say now.
local function refigure(nip, date, rhk, old_ek)
    local new_ek = recount(nip, date, rhk)
    if new_ek then
        redis.call('HSET', p .. 'mv:q:' .. nip, date .. '|' .. rhk, table.concat(new_ek, '|'))
    else
        redis.call('HDEL', p .. 'mv:q:' .. nip, date .. '|' .. rhk)
    end
    local stored = redis.call('HGET', p .. 'mv:rep:' .. nip, date)
    local report = stored and cmsgpack.unpack(stored)
    local lkh = wfa_mv_lkh(report, rhk)
    local lkh_opd = report and report.opd or ''
    wfa_mv_rhk_move(p, date, nip, rhk, wfa_mv_rhk_count(lkh, lkh_opd, old_ek),
                    wfa_mv_rhk_count(lkh, lkh_opd, new_ek))
end

-- The employee's predikat: the latest period's rating on record.
local function repredikat(nip)
    local latest, predikat
    local ratings = redis.call('HGETALL', p .. 'mv:rating:' .. nip)
    for j = 1, #ratings, 2 do
        if not latest or ratings[j] > latest then
            latest, predikat = ratings[j], string.match(ratings[j + 1], '^([^|]*)')
        end
    end
    if latest then
        redis.call('HSET', p .. 'emp:' .. nip, 'predikat', predikat, 'predikat_period', latest)
    end
end

-- Why a correction's target or rating cannot take its place: another
-- item's value on record for the same target (period and RHK) or rating
-- (period), or nil.
local function taken_by_another(item, earlier)
    if item.type == 'target' then
        local field = item.period .. '|' .. item.rhk
        local cur = redis.call('HGET', p .. 'mv:tgt:' .. item.nip, field)
        local f = wfa_split_bar(cur or '')
        if cur and not (f[3] == source and f[4] == earlier.id) then
            return 'target ' .. field .. ' is ' .. f[1] .. ' on record'
        end
    elseif item.type == 'rating' then
        local cur = redis.call('HGET', p .. 'mv:rating:' .. item.nip, item.period)
        local f = wfa_split_bar(cur or '')
        if cur and not (f[2] == source and f[3] == earlier.id) then
            return 'rating ' .. item.period .. ' is ' .. f[1] .. ' on record'
        end
    end
    return nil
end

-- Take the earlier item `old` out of the raw records, and so out of the
-- figures (a correction).
local function withdraw(old)
    if old.type == 'target' then
        local tk = p .. 'mv:tgt:' .. old.nip
        local field = old.period .. '|' .. old.rhk
        local cur = redis.call('HGET', tk, field)
        local f = wfa_split_bar(cur or '')
        if cur and f[3] == source and f[4] == old.id then
            redis.call('HDEL', tk, field)
            wfa_mv_target(p, old.period, f[2], old.nip, 't:' .. old.nip .. '|' .. old.rhk, -tonumber(f[1]))
        end
    elseif old.type == 'log' then
        local field = old.date .. '|' .. source .. '|' .. old.id
        if redis.call('HDEL', p .. 'mv:real:' .. old.nip, field) == 1 then
            refigure(old.nip, old.date, old.rhk, wfa_mv_ek(p, old.nip, old.date, old.rhk))
        end
    else
        local rk = p .. 'mv:rating:' .. old.nip
        local f = wfa_split_bar(redis.call('HGET', rk, old.period) or '')
        if f[2] == source and f[3] == old.id then redis.call('HDEL', rk, old.period) end
    end
end

for i, item in ipairs(items) do
    local ek = p .. 'mv:ek:' .. source .. ':' .. item.id
    local old = redis.call('GET', ek)
    local e = wfa_hmget(p .. 'emp:' .. item.nip, 'opd', 'roles')
    local opd = e.opd
    local result = 'created'
    local earlier, earlier_key
    -- Every refusal before the earlier item is withdrawn: a correction of an
    -- employee now a service account is refused below, the earlier kept
    if item.replaces ~= '' and not old and opd and not wfa_mv_service(e.roles) then
        -- A correction: of an item of the same source, employee and type,
        -- not replaced yet
        local hk = p .. 'mv:ekh:' .. item.nip
        earlier_key = source .. '|' .. item.replaces
        local kept = redis.call('HGET', hk, earlier_key)
        local fp = redis.call('GET', p .. 'mv:ek:' .. source .. ':' .. item.replaces)
        if kept then earlier = cmsgpack.unpack(kept) elseif fp then earlier = from_fp(item.replaces, fp) end
        if not earlier then
            result = 'conflict:item ' .. item.replaces .. ' is not on record'
        elseif earlier.nip ~= item.nip or earlier.type ~= item.type then
            result = 'conflict:item ' .. item.replaces .. ' is of another employee or type'
        elseif earlier.superseded_by then
            result = 'conflict:item ' .. item.replaces .. ' was replaced by ' .. earlier.superseded_by
        else
            local taken = taken_by_another(item, earlier)
            if taken then result = 'conflict:' .. taken else withdraw(earlier) end
        end
    end
    if result ~= 'created' then
        -- refused above
    elseif old then
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
    if result == 'created' and earlier then
        -- The earlier item stays in the history, superseded
        earlier.superseded_by, earlier.superseded_at = item.id, now
        earlier.superseded_actor, earlier.superseded_reason = a.actor, item.reason
        redis.call('HSET', p .. 'mv:ekh:' .. item.nip, earlier_key, cmsgpack.pack(earlier))
        if earlier.at == 0 then
            redis.call('ZADD', p .. 'mv:ekhz:' .. item.nip, 0, earlier_key)
        end
        if item.type == 'rating' then repredikat(item.nip) end
        result = 'replaced'
    end
    if result == 'created' or result == 'replaced' then
        local kept = {source = source, id = item.id, type = item.type, nip = item.nip,
                      period = item.period, date = item.date, rhk = item.rhk, quantity = item.quantity,
                      predikat = item.predikat, at = now, actor = a.actor}
        if earlier then kept.replaces, kept.reason = item.replaces, item.reason end
        redis.call('HSET', p .. 'mv:ekh:' .. item.nip, source .. '|' .. item.id, cmsgpack.pack(kept))
        -- In order of arrival: the items of one batch in their order
        -- (formatted here: Lua's own number text keeps 14 digits only)
        redis.call('ZADD', p .. 'mv:ekhz:' .. item.nip, string.format('%.0f', now * 1000 + i),
                   source .. '|' .. item.id)
    end
    if result == 'created' or result == 'replaced' or (result == 'duplicate' and not old) then
        redis.call('SET', ek, item.fp)
    end
    results[i] = result
end
if a.idem then wfa_idem_set(a.idem, a.fp, table.concat(results, '\31'), a.ttl) end
return {'ok', results}
