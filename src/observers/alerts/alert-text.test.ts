// Alert wording: what an operator reads, with the counts and times of the incident.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alertText, formatDuration } from './alert-text.js'
import type { Notice } from './incident-tracker.js'

const base: Notice = {
  incident: 1,
  kind: 'upstream',
  subject: 'primary',
  phase: 'opened',
  openedAt: Date.UTC(2024, 4, 1, 10, 0, 0),
  at: Date.UTC(2024, 4, 1, 10, 0, 0),
  failures: 3,
  detail: 'upstream_status, HTTP 503',
}

test('each kind and phase', () => {
  assert.equal(
    alertText(base, 'gw1'),
    '[openai-api-route gw1] upstream "primary" is failing: 3 attempts in a row failed (last: upstream_status, HTTP 503).',
  )
  assert.equal(
    alertText({ ...base, phase: 'recovered', at: base.openedAt + 133_000, failures: 300 }, 'gw1'),
    '[openai-api-route gw1] upstream "primary" has recovered after 2m 13s (failing since 2024-05-01 10:00:00 UTC, 300 failed attempts, last: upstream_status, HTTP 503).',
  )
  assert.equal(
    alertText(
      { ...base, kind: 'all_failed', subject: 'gpt-4o', failures: 1, detail: 'HTTP 502 upstream_status, 2 upstreams tried' },
      'gw1',
    ),
    '[openai-api-route gw1] every upstream failed for model "gpt-4o": 1 request got no good answer (last: HTTP 502 upstream_status, 2 upstreams tried).',
  )
  assert.match(
    alertText(
      { ...base, kind: 'store', subject: 'records', phase: 'ongoing', detail: '12 records dropped since the last check, 5000 waiting' },
      'gw1',
    ),
    /record store "records" is still unhealthy since 2024-05-01 10:00:00 UTC: 12 records dropped/,
  )
})

test('durations', () => {
  assert.equal(formatDuration(0), '0s')
  assert.equal(formatDuration(59_400), '59s')
  assert.equal(formatDuration(61_000), '1m 1s')
  assert.equal(formatDuration(3 * 3_600_000 + 5 * 60_000), '3h 5m')
})
