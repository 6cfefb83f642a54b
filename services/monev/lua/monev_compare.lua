#!lua
-- monev_compare.lua: compare the recomputed figures (mv:r:) with the kept
-- ones (mv:c:, mv:t:), and with "apply" put the recomputed ones in force.
-- KEYS     the pemda's prefix (the figures' keys are made from it, one per
--          day and month), the count of writes to the kept figures
--          (mv:writes)
-- ARGV[1]  a msgpack map: action ("check" | "apply"), writes (the count
--          the rebuild began with: "apply" puts nothing in force when the
--          kept figures moved since)
-- Returns  {"ok", days compared, months compared, difference count, up to
--          50 differences "DAY FIELD kept=N rebuilt=M", 1 if applied, 1 if
--          the kept figures moved during the rebuild}. A field that is 0 on
--          one side and absent on the other is no difference.
local p, writes = KEYS[1], KEYS[2]
local args = cmsgpack.unpack(ARGV[1])
local diffs, count = {}, 0
local function compare(kind, ns)
    local seen = {}
    local list = {}
    for _, z in ipairs({'mv:' .. ns, 'mv:r:' .. ns}) do
        for _, d in ipairs(redis.call('ZRANGE', p .. z, 0, -1)) do
            if not seen[d] then seen[d] = true; list[#list + 1] = d end
        end
    end
    for _, d in ipairs(list) do
        local kept, rebuilt = {}, {}
        local a = redis.call('HGETALL', p .. 'mv:' .. kind .. d)
        for j = 1, #a, 2 do kept[a[j]] = tonumber(a[j + 1]) end
        local b = redis.call('HGETALL', p .. 'mv:r:' .. kind .. d)
        for j = 1, #b, 2 do rebuilt[b[j]] = tonumber(b[j + 1]) end
        for field, value in pairs(kept) do
            if (rebuilt[field] or 0) ~= value then
                count = count + 1
                if #diffs < 50 then diffs[#diffs + 1] = d .. ' ' .. field .. ' kept=' .. value .. ' rebuilt=' .. (rebuilt[field] or 0) end
            end
        end
        for field, value in pairs(rebuilt) do
            if kept[field] == nil and value ~= 0 then
                count = count + 1
                if #diffs < 50 then diffs[#diffs + 1] = d .. ' ' .. field .. ' kept=0 rebuilt=' .. value end
            end
        end
    end
    return list
end
local days = compare('c:', 'days')
local months = compare('t:', 'months')
local moved = tonumber(redis.call('GET', writes) or '0') ~= tonumber(args.writes or '0')
if args.action == 'apply' and not moved then
    for _, pair in ipairs({{'c:', 'days', days}, {'t:', 'months', months}}) do
        for _, d in ipairs(pair[3]) do
            if redis.call('EXISTS', p .. 'mv:r:' .. pair[1] .. d) == 1 then
                redis.call('RENAME', p .. 'mv:r:' .. pair[1] .. d, p .. 'mv:' .. pair[1] .. d)
            else
                redis.call('DEL', p .. 'mv:' .. pair[1] .. d)
            end
        end
        if redis.call('EXISTS', p .. 'mv:r:' .. pair[2]) == 1 then
            redis.call('RENAME', p .. 'mv:r:' .. pair[2], p .. 'mv:' .. pair[2])
        end
    end
end
local applied = 0
if args.action == 'apply' and not moved then applied = 1 end
local moved_flag = 0
if moved then moved_flag = 1 end
return {'ok', #days, #months, count, diffs, applied, moved_flag}
