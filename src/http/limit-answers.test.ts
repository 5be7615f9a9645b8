// A limited key's answers on the wire: OpenAI's x-ratelimit-* headers and its 429 bodies.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { limitRefusalError, rateLimitHeaders } from './limit-answers.js'

const ask = { keyName: 'alice', tokens: 500, maxConcurrent: 4, budgetUsd: 50, budgetTokens: undefined, budgetPeriod: 'month' as const }
const status = { requests: { limit: 30, remaining: 0, resetMs: 20_000 }, tokens: { limit: 1000, remaining: 300, resetMs: 1500 } }

test('headers for each window the key has, resets in Go durations', () => {
  assert.deepEqual(rateLimitHeaders(status), [
    'x-ratelimit-limit-requests',
    '30',
    'x-ratelimit-remaining-requests',
    '0',
    'x-ratelimit-reset-requests',
    '20s',
    'x-ratelimit-limit-tokens',
    '1000',
    'x-ratelimit-remaining-tokens',
    '300',
    'x-ratelimit-reset-tokens',
    '1.5s',
  ])
  assert.deepEqual(rateLimitHeaders({ requests: undefined, tokens: undefined }), [])
})

test('an rpm refusal is rate_limit_exceeded of type requests, with the headers and Retry-After', () => {
  const error = limitRefusalError({ kind: 'refused', reason: 'requests', retryAfterMs: 20_000, status, periodEndsAt: undefined }, ask)
  assert.equal(error.status, 429)
  assert.deepEqual(JSON.parse(error.toBody()), {
    error: {
      message: 'Rate limit reached for key `alice` on requests per min (RPM): Limit 30, Used 30, Requested 1. Please try again in 20s.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
  })
  assert.equal(error.retryAfterMs, 20_000)
  assert.equal(error.headers[1], '30')
})

test('a tpm refusal is of type tokens; one larger than the whole limit says so', () => {
  const refused = { kind: 'refused' as const, reason: 'tokens' as const, retryAfterMs: 1500, status, periodEndsAt: undefined }
  const error = limitRefusalError(refused, ask)
  assert.equal(error.type, 'tokens')
  assert.match(error.message, /TPM\): Limit 1000, Used 700, Requested 500\. Please try again in 1\.5s\./)
  assert.match(limitRefusalError(refused, { ...ask, tokens: 5000 }).message, /^Request too large for key `alice`/)
})

test('a spent budget is insufficient_quota naming the end of its period; a store that cannot be reached is a 503', () => {
  const end = Date.UTC(2027, 0, 1)
  const error = limitRefusalError({ kind: 'refused', reason: 'budget_usd', retryAfterMs: 1000, status, periodEndsAt: end }, ask)
  assert.equal(error.status, 429)
  assert.equal(error.code, 'insufficient_quota')
  assert.equal(error.type, 'insufficient_quota')
  assert.match(
    error.message,
    /monthly budget of \$50 \(budget_usd\), or has too little of it left for this request \(it reserves up to 500 tokens\); it resets at 2027-01-01T00:00:00.000Z/,
  )
  assert.deepEqual(error.headers.slice(-2), ['x-should-retry', 'false'], 'SDKs must not sleep until the period ends')
  const unavailable = limitRefusalError({ kind: 'unavailable', retryAfterMs: 1000 }, ask)
  assert.equal(unavailable.status, 503)
  assert.equal(unavailable.code, 'limit_store_unavailable')
})
