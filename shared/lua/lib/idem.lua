-- idem.lua: idempotency records. A record (idem:...) holds the first
-- answer of a state-changing call beside the fingerprint of its body
-- (wfa_call_fingerprint: 16 hex digits), as "FINGERPRINT=ANSWER", so that
-- a retry (same key, same body) gets the first answer and a reuse of the
-- key with another body is refused. A record written before fingerprints
-- (no "FINGERPRINT=" in front) answers any retry, as it always did.

-- The answer remembered under idem, or nil; and an error reply when the
-- record's fingerprint is not fp (the key is reused with another body).
local function wfa_idem_get(idem, fp)
    local stored = redis.call('GET', idem)
    if not stored then return nil end
    local kept, answer = string.match(stored, '^(%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x)=(.*)$')
    if not kept then return stored end
    if fp and kept ~= fp then
        return nil, {'err', 'IDEMPOTENCY_MISMATCH', 'key', 'key'}
    end
    return answer
end

-- The parts of text between separators sep (one byte), empty ones too.
local function wfa_split_on(text, sep)
    local parts = {}
    for part in string.gmatch(text .. sep, '([^' .. sep .. ']*)' .. sep) do parts[#parts + 1] = part end
    return parts
end

-- Remember answer under idem with the call's fingerprint for ttl seconds.
local function wfa_idem_set(idem, fp, answer, ttl)
    redis.call('SET', idem, (fp or '') == '' and answer or (fp .. '=' .. answer), 'EX', ttl)
end
