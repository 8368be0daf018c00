-- Replaces an admitted request's reservation by a new token count in the windows it was reserved in: lowered while
-- it runs (final 0: only ever down), or its real usage when it ends (final 1: frees its lease, adds the usage to
-- the tenant's buckets and forgets the request, so settling twice changes nothing).
-- KEYS[1]: the tenant's quota prefix, KEYS[2]: its usage prefix.
-- ARGV: request id, tokens, final, then (final) api key id, model, input, cached and output tokens.
local p, id = KEYS[1], ARGV[1]
local tokens, final = tonumber(ARGV[2]), ARGV[3] == '1'
local recordKey, tokensKey, amountsKey, sumKey = p .. 'req:' .. id, p .. 'tpm', p .. 'tpm:amounts', p .. 'tpm:sum'
if final then redis.call('ZREM', p .. 'leases', id) end
local record = redis.call('HMGET', recordKey, 'reserved', 'day', 'tpm', 'tpd')
if not record[1] then return 0 end
local delta = tokens - tonumber(record[1])
if not final and delta >= 0 then return 0 end
if delta ~= 0 then
  -- a reservation that has left the window is history: the window no longer counts it
  if record[3] == '1' and redis.call('ZSCORE', tokensKey, id) then
    redis.call('HINCRBY', amountsKey, id, delta)
    redis.call('INCRBY', sumKey, delta)
  end
  local dayKey = p .. 'tpd:' .. record[2]
  if record[4] == '1' and redis.call('EXISTS', dayKey) == 1 then redis.call('INCRBY', dayKey, delta) end
end
if not final then
  redis.call('HSET', recordKey, 'reserved', tokens)
  return 1
end
redis.call('DEL', recordKey)

local clock = redis.call('TIME')
local second = tonumber(clock[1])
local field = ARGV[4] .. '\n' .. ARGV[5] .. '\n'
-- bucket width in seconds, name, how long the bucket is kept (seconds)
for _, bucket in ipairs({{60, 'm', 172800}, {3600, 'h', 3024000}, {86400, 'd', 34560000}}) do
  local key = KEYS[2] .. bucket[2] .. ':' .. (second - second % bucket[1])
  redis.call('HINCRBY', key, field .. 'input', ARGV[6])
  redis.call('HINCRBY', key, field .. 'cached', ARGV[7])
  redis.call('HINCRBY', key, field .. 'output', ARGV[8])
  redis.call('HINCRBY', key, field .. 'requests', 1)
  redis.call('EXPIRE', key, bucket[3])
end
return 1
