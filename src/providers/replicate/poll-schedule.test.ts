// Poll timing: backoff, and the deadline taken from the upstream's timeouts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { defaultPollSchedule, pollDelayMs, pollingLimitMs } from './poll-schedule.js'

test('delays double from the first one up to the maximum', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 50].map((n) => pollDelayMs(defaultPollSchedule, n)),
    [250, 500, 1000, 2000, 2000, 2000],
  )
})

test('the polling limit: the shorter of timeout and total_timeout, never unbounded', () => {
  assert.equal(pollingLimitMs(defaultPollSchedule, { firstByteTimeoutMs: 120_000, totalTimeoutMs: 0 }), 120_000)
  assert.equal(pollingLimitMs(defaultPollSchedule, { firstByteTimeoutMs: 120_000, totalTimeoutMs: 30_000 }), 30_000)
  assert.equal(pollingLimitMs(defaultPollSchedule, { firstByteTimeoutMs: 0, totalTimeoutMs: 0 }), 600_000)
})
