// The Lua scripts the Redis limit store runs: each check, settle, lease renewal and seed is one atomic round trip.
// Time is Redis's own (TIME), so replicas whose clocks disagree still count one window. Windows are exact sliding
// windows (a sorted set of admissions scored by time), not GCRA: GCRA spaces requests evenly and cannot let a key
// that was idle send its whole `rpm` at once, nor count tokens whose size changes when a request settles.
import { createHash } from 'node:crypto'

export interface LimitScript {
  readonly source: string
  readonly sha1: string
}

function script(source: string): LimitScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') }
}

/** Redis's clock in ms; Redis 5+ replicates scripts by their effects, so TIME may precede writes. */
const redisNow = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`

/**
 * KEYS: 1 requests (zset lease → admitted at), 2 tokens (zset lease → reserved at), 3 token sizes (hash lease →
 * tokens), 4 token sum (string), 5 leases (zset lease → expires at), 6 spend of the period (hash usd, tokens).
 * ARGV: 1 rpm, 2 tpm, 3 max_concurrent, 4 budget_usd, 5 budget_tokens ('' = none), 6 tokens, 7 USD, 8 lease id,
 * 9 lease ttl ms, 10 when the spend expires (ms since the epoch, '' = never), 11 window ms.
 * Returns { refusal ('' = admitted), retry ms, now, requests in window, newest admission (-1), token sum, newest reservation (-1) }.
 */
export const checkScript = script(`${redisNow}
local window = tonumber(ARGV[11])
local rpm, tpm, maxConcurrent = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local budgetUsd, budgetTokens = tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, usd, lease, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
local left = now - window

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', left)
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', left)
if #gone > 0 then
  local freed = 0
  for _, member in ipairs(gone) do
    freed = freed + (tonumber(redis.call('HGET', KEYS[3], member)) or 0)
    redis.call('HDEL', KEYS[3], member)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', left)
  redis.call('DECRBY', KEYS[4], freed)
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)

local count = redis.call('ZCARD', KEYS[1])
local sum = tonumber(redis.call('GET', KEYS[4])) or 0
local spent = redis.call('HMGET', KEYS[6], 'usd', 'tokens')
local spentUsd, spentTokens = tonumber(spent[1]) or 0, tonumber(spent[2]) or 0
local function over(held, asked, limit) return held >= limit or held + asked > limit + 1e-9 end

local refusal, retry = '', 0
if budgetUsd and over(spentUsd, usd, budgetUsd) then
  refusal = 'budget_usd'
elseif budgetTokens and over(spentTokens, tokens, budgetTokens) then
  refusal = 'budget_tokens'
elseif rpm and count >= rpm then
  refusal = 'requests'
  local leaving = redis.call('ZRANGE', KEYS[1], count - rpm, count - rpm, 'WITHSCORES')
  retry = tonumber(leaving[2]) + window - now
elseif tpm and sum + tokens > tpm then
  refusal = 'tokens'
  retry = window
  if tokens <= tpm then
    local needed, freed = sum + tokens - tpm, 0
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      freed = freed + (tonumber(redis.call('HGET', KEYS[3], entries[i])) or 0)
      if freed >= needed then
        retry = tonumber(entries[i + 1]) + window - now
        break
      end
    end
  end
elseif maxConcurrent and redis.call('ZCARD', KEYS[5]) >= maxConcurrent then
  refusal = 'concurrency'
end

if refusal == '' then
  if rpm then
    redis.call('ZADD', KEYS[1], now, lease)
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + 1
  end
  if tpm then
    redis.call('ZADD', KEYS[2], now, lease)
    redis.call('HSET', KEYS[3], lease, tokens)
    sum = redis.call('INCRBY', KEYS[4], tokens)
    for k = 2, 4 do redis.call('PEXPIRE', KEYS[k], window) end
  end
  if maxConcurrent then
    redis.call('ZADD', KEYS[5], now + ttl, lease)
    redis.call('PEXPIRE', KEYS[5], ttl)
  end
  redis.call('HINCRBYFLOAT', KEYS[6], 'usd', ARGV[7])
  redis.call('HINCRBY', KEYS[6], 'tokens', tokens)
  if ARGV[10] ~= '' then redis.call('PEXPIREAT', KEYS[6], ARGV[10]) end
end
local newestRequest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local newestTokens = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
return { refusal, retry, now, count, tonumber(newestRequest[2]) or -1, sum, tonumber(newestTokens[2]) or -1 }`)

/**
 * A finished request: its slot is freed, its token reservation (if still in the window) takes the real size, and the
 * period's spend moves by the difference. KEYS: 1 tokens, 2 token sizes, 3 token sum, 4 leases, 5 spend.
 * ARGV: 1 lease id, 2 real tokens, 3 tokens more than reserved, 4 USD more than reserved.
 */
export const settleScript = script(`
redis.call('ZREM', KEYS[4], ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local reserved = tonumber(redis.call('HGET', KEYS[2], ARGV[1])) or 0
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('INCRBY', KEYS[3], tonumber(ARGV[2]) - reserved)
end
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('HINCRBYFLOAT', KEYS[5], 'usd', ARGV[4])
  redis.call('HINCRBY', KEYS[5], 'tokens', ARGV[3])
end
return 1`)

/** Leases still held get a new expiry. KEYS: each lease's zset; ARGV: 1 ttl ms, then each lease id in KEYS' order. */
export const renewScript = script(`${redisNow}
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', key, ttl)
end
return #KEYS`)

/** Slots given back. KEYS: each lease's zset; ARGV: each lease id in KEYS' order. A script, so the client's slice stays EVAL. */
export const releaseScript = script(`
for i, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[i]) end
return #KEYS`)

/** Spend rebuilt from the records, written only where Redis holds none. KEYS: 1 spend; ARGV: usd, tokens, expires at ('' = never). */
export const seedScript = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'usd', ARGV[1], 'tokens', ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1`)

/**
 * A key's figures for `GET /v1/usage`, changing nothing. KEYS as checkScript's; ARGV: 1 window ms.
 * Returns { now, requests in window, newest admission (-1), token sum, newest reservation (-1), in flight, usd, tokens }.
 */
export const usageScript = script(`${redisNow}
local left = now - tonumber(ARGV[1])
local count = redis.call('ZCOUNT', KEYS[1], '(' .. left, '+inf')
local entries = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. left, '+inf')
local sum = 0
for _, member in ipairs(entries) do sum = sum + (tonumber(redis.call('HGET', KEYS[3], member)) or 0) end
local newestRequest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local newestTokens = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local inFlight = redis.call('ZCOUNT', KEYS[5], '(' .. now, '+inf')
local spent = redis.call('HMGET', KEYS[6], 'usd', 'tokens')
return { now, count, tonumber(newestRequest[2]) or -1, sum, tonumber(newestTokens[2]) or -1, inFlight, spent[1] or '0', spent[2] or '0' }`)
