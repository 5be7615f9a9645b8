// statusFailsOver: which upstream statuses move on to the next upstream and which are the client's answer.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { statusFailsOver } from './failover-policy.js'

test('timeouts, rate limits, server errors, a rejected upstream key and an upstream account out of credit fail over', () => {
  for (const status of [401, 402, 403, 408, 429, 500, 502, 503, 504, 520, 529, 599]) {
    assert.equal(statusFailsOver(status), true, String(status))
  }
})

test("the client's own mistakes are its answer and are not retried elsewhere", () => {
  for (const status of [400, 404, 405, 409, 413, 415, 422]) {
    assert.equal(statusFailsOver(status), false, String(status))
  }
})

test('successes and redirects are answers', () => {
  for (const status of [200, 201, 204, 206, 301, 302, 304, 307]) {
    assert.equal(statusFailsOver(status), false, String(status))
  }
})
