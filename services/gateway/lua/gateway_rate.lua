#!lua
-- gateway_rate.lua: one HTTP request against two rate limits at once, its
-- credential's and its pemda's (GCRA: each key holds the theoretical arrival
-- time of the next request, in ms), so every gateway instance shares them.
-- KEYS     the credential's limit (rate:cred:SUBJECT), the pemda's (rate:pemda);
--          no prefix key: FCALL checks each declared key as written, and the
--          gateway's Redis user writes only its rate keys
-- Now is Redis's TIME, not the caller's clock: gateways whose clocks differ
-- share the same limits and agree on them.
-- ARGV[1]  a msgpack map: cred_ms and pemda_ms (ms between two
--          requests at the steady rate; 0: no limit), cred_burst and
--          pemda_burst (requests that may come at once)
-- Returns  {"ok", 0} when the request may go (both times moved on), or
--          {"ok", WAIT_MS} when it may not (nothing changed): the ms until
--          the later of the two limits lets one more through
local a = cmsgpack.unpack(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limits = { { KEYS[1], tonumber(a.cred_ms), tonumber(a.cred_burst) },
                 { KEYS[2], tonumber(a.pemda_ms), tonumber(a.pemda_burst) } }
local wait, next_times = 0, {}
for n, limit in ipairs(limits) do
    local key, interval, burst = limit[1], limit[2], limit[3]
    if interval > 0 then
        local tat = tonumber(redis.call('GET', key) or now)
        if tat < now then tat = now end
        local next_tat = tat + interval
        local over = next_tat - now - interval * burst
        if over > wait then wait = over end
        next_times[n] = next_tat
    end
end
if wait > 0 then return {'ok', math.ceil(wait)} end
for n, limit in ipairs(limits) do
    if next_times[n] then
        redis.call('SET', limit[1], next_times[n], 'PX', math.ceil(next_times[n] - now) + 1000)
    end
end
return {'ok', 0}
