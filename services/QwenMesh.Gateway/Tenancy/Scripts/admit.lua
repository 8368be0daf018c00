-- Admits one request against every limit of its tenant at once, or refuses it and changes nothing.
-- Windows slide (a minute back from Redis's own clock, never a gateway's); the daily budget is the UTC day.
-- KEYS[1]: the tenant's quota prefix. ARGV: request id, reserved tokens, then the limits (-1: unlimited):
-- requests/minute, tokens/minute, concurrent requests, tokens/day; then the lease in ms.
-- Returns {refusal (0 admitted, 1 requests, 2 tokens, 3 budget, 4 concurrency), retry ms,
--          requests in window, ms until the oldest leaves, tokens in window, ms until the oldest leaves}.
local p, id = KEYS[1], ARGV[1]
local reserved = tonumber(ARGV[2])
local rpm, tpm, concurrent, tpd = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local leaseMs = tonumber(ARGV[7])
local window = 60000
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local day = math.floor(now / 86400000)

local requestsKey, tokensKey, amountsKey, sumKey = p .. 'rpm', p .. 'tpm', p .. 'tpm:amounts', p .. 'tpm:sum'
local leasesKey, dayKey, recordKey = p .. 'leases', p .. 'tpd:' .. day, p .. 'req:' .. id

redis.call('ZREMRANGEBYSCORE', requestsKey, '-inf', now - window)
local expired = redis.call('ZRANGEBYSCORE', tokensKey, '-inf', now - window)
for i = 1, #expired, 500 do
  local chunk = {unpack(expired, i, math.min(i + 499, #expired))}
  local freed = 0
  for _, amount in ipairs(redis.call('HMGET', amountsKey, unpack(chunk))) do freed = freed + (tonumber(amount) or 0) end
  redis.call('DECRBY', sumKey, freed)
  redis.call('HDEL', amountsKey, unpack(chunk))
end
redis.call('ZREMRANGEBYSCORE', tokensKey, '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', leasesKey, '-inf', now)

local requests = redis.call('ZCARD', requestsKey)
local tokens = tonumber(redis.call('GET', sumKey) or '0')
local running = redis.call('ZCARD', leasesKey)
local spent = tonumber(redis.call('GET', dayKey) or '0')

local function oldestLeavesIn(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first == 0 then return window end
  return tonumber(first[2]) + window - now
end

-- When enough of the window's tokens have left it for `need` more to fit.
local function tokensFreeIn(need)
  local entries = redis.call('ZRANGE', tokensKey, 0, 1999, 'WITHSCORES')
  local freed = 0
  for i = 1, #entries, 2 do
    freed = freed + (tonumber(redis.call('HGET', amountsKey, entries[i])) or 0)
    if freed >= need then return tonumber(entries[i + 1]) + window - now end
  end
  return window
end

local refusal, retry = 0, 0
if tpd >= 0 and spent + reserved > tpd then
  refusal, retry = 3, (day + 1) * 86400000 - now
elseif rpm >= 0 and requests >= rpm then
  refusal, retry = 1, oldestLeavesIn(requestsKey)
elseif tpm >= 0 and tokens + reserved > tpm then
  refusal = 2
  if reserved > tpm then retry = window else retry = tokensFreeIn(tokens + reserved - tpm) end
elseif concurrent >= 0 and running >= concurrent then
  -- a slot frees when a running request ends; only a dead gateway's slot waits for its lease
  refusal, retry = 4, 1000
end

if refusal == 0 then
  if rpm >= 0 then
    redis.call('ZADD', requestsKey, now, id)
    redis.call('PEXPIRE', requestsKey, window + 1000)
    requests = requests + 1
  end
  if tpm >= 0 then
    redis.call('ZADD', tokensKey, now, id)
    redis.call('HSET', amountsKey, id, reserved)
    redis.call('INCRBY', sumKey, reserved)
    for _, key in ipairs({tokensKey, amountsKey, sumKey}) do redis.call('PEXPIRE', key, window + 1000) end
    tokens = tokens + reserved
  end
  if tpd >= 0 then
    redis.call('INCRBY', dayKey, reserved)
    redis.call('EXPIRE', dayKey, 172800)
  end
  if concurrent >= 0 then
    redis.call('ZADD', leasesKey, now + leaseMs, id)
    redis.call('PEXPIRE', leasesKey, leaseMs + 1000)
  end
  redis.call('HSET', recordKey, 'reserved', reserved, 'day', day, 'tpm', tpm >= 0 and 1 or 0, 'tpd', tpd >= 0 and 1 or 0)
  redis.call('EXPIRE', recordKey, 93600)
end
return {refusal, retry, requests, oldestLeavesIn(requestsKey), tokens, oldestLeavesIn(tokensKey)}
