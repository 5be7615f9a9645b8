// Retry-After and x-ratelimit-reset-*: the forms upstreams send, read as a delay.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backOffDelayMs, formatResetDuration, parseResetDurationMs, parseRetryAfterMs, retryAfterSeconds } from './retry-after.js'

const now = Date.UTC(2026, 11, 7, 6, 0, 0)

test('Retry-After in seconds and as an HTTP date (all three RFC 9110 forms); anything else is unreadable', () => {
  const table: Array<[string, number | undefined]> = [
    ['120', 120_000],
    [' 0 ', 0],
    ['1.5', 1500],
    ['Mon, 07 Dec 2026 06:00:30 GMT', 30_000],
    ['Monday, 07-Dec-26 06:01:00 GMT', 60_000],
    ['Mon Dec  7 06:00:05 2026', 5000],
    ['Mon, 07 Dec 2026 05:59:00 GMT', 0],
    ['-5', undefined],
    ['soon', undefined],
    ['', undefined],
  ]
  for (const [value, expected] of table) assert.equal(parseRetryAfterMs(value, now), expected, value)
})

test('x-ratelimit-reset durations as OpenAI writes them', () => {
  const table: Array<[string, number | undefined]> = [
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['7', undefined],
    ['1x', undefined],
    ['', undefined],
  ]
  for (const [value, expected] of table) assert.equal(parseResetDurationMs(value), expected, value)
})

test('only a 429 or 503 sets a back-off; Retry-After wins, else the longest reset', () => {
  const resets = ['x-ratelimit-reset-requests', '1s', 'x-ratelimit-reset-tokens', '6m0s']
  assert.equal(backOffDelayMs(429, resets, now), 360_000)
  assert.equal(backOffDelayMs(503, ['retry-after', '7', ...resets], now), 7000)
  assert.equal(backOffDelayMs(429, ['retry-after', 'later', 'x-ratelimit-reset-requests', '20ms'], now), 20)
  assert.equal(backOffDelayMs(500, ['retry-after', '7'], now), undefined)
  assert.equal(backOffDelayMs(429, ['content-type', 'application/json'], now), undefined)
})

test('a Retry-After sent to clients is whole seconds, rounded up, at least 1', () => {
  assert.deepEqual([0, 1, 999, 1000, 1001, 29_999].map(retryAfterSeconds), ['1', '1', '1', '1', '2', '30'])
})

test('delays written as OpenAI writes its resets, and read back to the same milliseconds', () => {
  const table: Array<[number, string]> = [
    [0, '0ms'],
    [20, '20ms'],
    [19.2, '20ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [59_999, '59.999s'],
    [360_000, '6m0s'],
    [3_723_250, '1h2m3.25s'],
    [-5, '0ms'],
  ]
  for (const [delay, text] of table) {
    assert.equal(formatResetDuration(delay), text, String(delay))
    assert.equal(parseResetDurationMs(text), Math.max(0, Math.ceil(delay)), text)
  }
})
