import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { backoffMs, decideRetry, type RetryInput } from './retry-policy.js'

const wallNow = Date.UTC(2024, 4, 1, 10, 0, 0)
const upstream = { name: 'a', retries: 2, retryBackoffMs: 1000, maxRetryWaitMs: 5000 } as UpstreamConfig

function socketError(code: string, gatewayCode: 'upstream_connect_error' | 'upstream_reset'): GatewayError {
  // undici's error around the socket's, as the adapters see it.
  const cause = Object.assign(new Error('wrapped'), { code: 'UND_ERR_SOCKET', cause: Object.assign(new Error(code), { code }) })
  return new GatewayError(gatewayCode, `upstream a failed (${code})`, { cause })
}

function answered(status: number, headers: string[] = []): Pick<RetryInput, 'error' | 'answer'> {
  return {
    error: new GatewayError('upstream_status', `upstream a answered ${status}`, { status }),
    answer: { status, headers, body: Buffer.from('{}') },
  }
}

function input(failure: Pick<RetryInput, 'error' | 'answer'>, overrides: Partial<RetryInput> = {}): RetryInput {
  return { upstream, retriesDone: 0, isLastCandidate: false, timeLeftMs: Infinity, wallNow, random: () => 0, ...failure, ...overrides }
}

test('a refused or reset connection and a 500/502/503/504 without Retry-After are retried after a backoff', () => {
  const retried = [
    { error: socketError('ECONNREFUSED', 'upstream_connect_error'), answer: undefined },
    { error: new GatewayError('upstream_reset', 'upstream a closed the connection (ECONNRESET)'), answer: undefined },
    ...[500, 502, 503, 504].map((status) => answered(status)),
  ]
  for (const failure of retried) {
    assert.deepEqual(decideRetry(input(failure)), { kind: 'retry', waitMs: 500, reason: 'backoff' }, failure.error.message)
  }
})

test('other failures move on at once: DNS, timeouts, 429, 408, 401, 501, a 500 with Retry-After', () => {
  const movedOn = [
    { error: socketError('ENOTFOUND', 'upstream_connect_error'), answer: undefined },
    { error: new GatewayError('upstream_timeout', 'upstream a did not answer in time'), answer: undefined },
    answered(429),
    answered(408),
    answered(401),
    answered(501),
    answered(500, ['retry-after', '1']),
  ]
  for (const failure of movedOn) assert.deepEqual(decideRetry(input(failure, { isLastCandidate: true })), { kind: 'move_on' })
})

test('no retry once the upstream has had its retries', () => {
  assert.deepEqual(decideRetry(input(answered(503), { retriesDone: 2 })), { kind: 'move_on' })
  const none = { ...upstream, retries: 0 } as UpstreamConfig
  assert.deepEqual(decideRetry(input(answered(503), { upstream: none })), { kind: 'move_on' })
})

test('the backoff is retry_backoff times a factor in [0.5, 1), doubling with each retry', () => {
  assert.equal(
    backoffMs(250, 0, () => 0),
    125,
  )
  assert.equal(
    backoffMs(250, 0, () => 0.999),
    250 * (0.5 + 0.999 / 2),
  )
  assert.equal(
    backoffMs(250, 1, () => 0),
    250,
  )
  assert.equal(
    backoffMs(250, 2, () => 0.5),
    250 * 0.75 * 4,
  )
  const second = decideRetry(input(answered(502), { retriesDone: 1, random: () => 0.5 }))
  assert.deepEqual(second, { kind: 'retry', waitMs: 1500, reason: 'backoff' })
})

test('a 429 or 503 with Retry-After within max_retry_wait is waited for on the last candidate only', () => {
  for (const status of [429, 503]) {
    const seconds = answered(status, ['retry-after', '3'])
    assert.deepEqual(decideRetry(input(seconds, { isLastCandidate: true })), { kind: 'retry', waitMs: 3000, reason: 'retry_after' })
    assert.deepEqual(decideRetry(input(seconds)), { kind: 'move_on' }, 'another candidate answers sooner')
  }
  const date = answered(429, ['retry-after', new Date(wallNow + 4000).toUTCString()])
  assert.deepEqual(decideRetry(input(date, { isLastCandidate: true })), { kind: 'retry', waitMs: 4000, reason: 'retry_after' })
})

test('a Retry-After longer than max_retry_wait, or any with max_retry_wait 0, is not waited for', () => {
  const long = answered(429, ['retry-after', '6'])
  assert.deepEqual(decideRetry(input(long, { isLastCandidate: true })), { kind: 'move_on' })
  const never = { ...upstream, maxRetryWaitMs: 0 } as UpstreamConfig
  assert.deepEqual(decideRetry(input(answered(429, ['retry-after', '0']), { upstream: never, isLastCandidate: true })), { kind: 'move_on' })
  assert.deepEqual(decideRetry(input(answered(503, ['retry-after', 'soon']), { isLastCandidate: true })), { kind: 'move_on' })
})

test('a wait that would outlast what is left of total_timeout is not made', () => {
  assert.deepEqual(decideRetry(input(answered(503), { timeLeftMs: 500 })), { kind: 'move_on' })
  assert.deepEqual(decideRetry(input(answered(503), { timeLeftMs: 501 })), { kind: 'retry', waitMs: 500, reason: 'backoff' })
  const waited = answered(429, ['retry-after', '3'])
  assert.deepEqual(decideRetry(input(waited, { isLastCandidate: true, timeLeftMs: 2000 })), { kind: 'move_on' })
})
