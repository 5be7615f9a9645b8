// AlertCenter end to end with in-memory sinks and a manual clock: an outage is one message and one recovery,
// reminders come from its own timer, the hourly maximum holds, and its counts reach the counters.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AlertsConfig } from '../../config/observability-config.js'
import { createLogger } from '../../log/logger.js'
import { ManualClock } from '../../time/manual-clock.js'
import { AlertCenter } from './alert-center.js'
import type { AlertCounters } from './alert-counters.js'
import type { AlertMessage, AlertSink } from './alert-sink.js'

const config: AlertsConfig = {
  sinks: [],
  failuresToOpen: 3,
  successesToRecover: 3,
  repeatIntervalMs: 600_000,
  maxPerHour: 20,
  storeBacklog: 100,
  storeCheckIntervalMs: 10_000,
}

function center(overrides: Partial<AlertsConfig> = {}) {
  const clock = new ManualClock()
  const received: Record<string, AlertMessage[]> = { feishu: [], matrix: [] }
  const sink = (kind: 'feishu' | 'matrix'): AlertSink => ({
    kind,
    label: `${kind}[0]`,
    send: async (message) => void received[kind]?.push(message),
  })
  const counts = { sent: 0, failed: 0, repeat: 0, rate_limit: 0 }
  const counters: AlertCounters = {
    sent: () => counts.sent++,
    failed: () => counts.failed++,
    suppressed: (reason, n) => (counts[reason] += n),
  }
  const alerts = new AlertCenter({
    config: { ...config, ...overrides },
    gatewayName: 'gw',
    sinks: [sink('feishu'), sink('matrix')],
    clock,
    counters,
    logger: createLogger({ level: 'silent' }),
  })
  return { clock, alerts, received, counts }
}

test('hundreds of failed attempts are one alert per sink, and the recovery one more', async () => {
  const { alerts, received, counts } = center()
  for (let i = 0; i < 500; i++) alerts.upstreamAttempts('primary', false, 1, 'upstream_status, HTTP 503')
  for (let i = 0; i < 3; i++) alerts.upstreamAttempts('primary', true, 1, '')
  await alerts.idle()
  for (const kind of ['feishu', 'matrix']) {
    const texts = received[kind]?.map((m) => m.text) ?? []
    assert.equal(texts.length, 2, kind)
    assert.match(texts[0] ?? '', /upstream "primary" is failing: 3 attempts in a row failed/)
    assert.match(texts[1] ?? '', /upstream "primary" has recovered .* 500 failed attempts/)
  }
  assert.equal(received['feishu']?.[0]?.id, received['matrix']?.[0]?.id, 'one message, one id, whatever the sink')
  assert.notEqual(received['feishu']?.[0]?.id, received['feishu']?.[1]?.id)
  assert.deepEqual(counts, { sent: 4, failed: 0, repeat: 497, rate_limit: 0 })
  await alerts.close(0)
})

test('its timer sends a reminder with the failures since the last message', async () => {
  const { clock, alerts, received } = center()
  for (let i = 0; i < 50; i++) alerts.upstreamAttempts('primary', false, 1, 'upstream_timeout')
  clock.advance(599_000)
  await alerts.idle()
  assert.equal(received['feishu']?.length, 1)
  clock.advance(1_000)
  await alerts.idle()
  assert.equal(received['feishu']?.length, 2)
  assert.match(received['feishu']?.[1]?.text ?? '', /still failing since .*: 47 more failed attempts since the last message/)
  await alerts.close(0)
})

test('the hourly maximum holds across incidents; what waited goes out when the hour has passed', async () => {
  const { clock, alerts, received, counts } = center({ maxPerHour: 2 })
  for (const upstream of ['a', 'b', 'c', 'd']) for (let i = 0; i < 3; i++) alerts.upstreamAttempts(upstream, false, 1, 'x')
  for (let i = 0; i < 3; i++) alerts.upstreamAttempts('c', true, 1, '')
  await alerts.idle()
  assert.equal(received['feishu']?.length, 2)
  clock.advance(3_600_000)
  await alerts.idle()
  const texts = received['feishu']?.map((m) => m.text) ?? []
  assert.equal(texts.length, 4)
  assert.match(texts[2] ?? '', /upstream "c" has recovered/, 'c failed and recovered while held: one message says both')
  assert.match(texts[3] ?? '', /upstream "d" is failing/)
  assert.equal(counts.rate_limit, 1)
  await alerts.close(0)
})

test('every-upstream-failed and store incidents open on their first report', async () => {
  const { alerts, received } = center()
  alerts.modelRequests('gpt-4o', true, 1, 'HTTP 502 upstream_status, 2 upstreams tried')
  alerts.storeChecked('records', false, '4 records dropped since the last check, 0 waiting')
  await alerts.idle()
  assert.equal(received['matrix']?.length, 2)
  assert.deepEqual(
    [...alerts.openByKind()],
    [
      ['upstream', 0],
      ['all_failed', 1],
      ['store', 1],
      ['config', 0],
    ],
  )
  await alerts.close(0)
})

test('close does not wait out retry delays: a sink that fails is tried once more and given up on', { timeout: 30_000 }, async () => {
  const clock = new ManualClock()
  let tries = 0
  const failing: AlertSink = {
    kind: 'feishu',
    label: 'feishu[0]',
    send: async () => {
      tries++
      throw new Error('connection refused')
    },
  }
  const counts = { failed: 0 }
  const counters: AlertCounters = { sent: () => undefined, failed: () => counts.failed++, suppressed: () => undefined }
  const alerts = new AlertCenter({
    config,
    gatewayName: 'gw',
    sinks: [failing],
    clock,
    counters,
    logger: createLogger({ level: 'silent' }),
  })
  const timers = clock.pending
  alerts.modelRequests('gpt-4o', true, 1, 'HTTP 502 upstream_status, 2 upstreams tried')
  // The first try fails; the retry waits 1 s on the manual clock, which never moves in this test.
  while (clock.pending === timers) await new Promise((resolve) => setImmediate(resolve))
  assert.equal(tries, 1)
  await alerts.close(60_000)
  assert.equal(tries, 2)
  assert.equal(counts.failed, 1)
  assert.equal(clock.pending, 0)
})

test('close stops its timer', async () => {
  const { clock, alerts } = center()
  assert.equal(clock.pending, 1)
  await alerts.close(0)
  assert.equal(clock.pending, 0)
})
