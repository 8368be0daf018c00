-- Extends a running request's concurrency lease by another lease period (only if it still holds one).
-- KEYS[1]: the tenant's quota prefix. ARGV: request id, lease in ms.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local leasesKey = KEYS[1] .. 'leases'
redis.call('ZADD', leasesKey, 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', leasesKey, tonumber(ARGV[2]) + 1000)
return 1
