// The store check: new drops or a backlog make it unhealthy; it is polled on the injected clock.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../../time/manual-clock.js'
import { checkRecordQueue, watchRecordQueue } from './record-queue-watch.js'

test('checkRecordQueue', () => {
  assert.deepEqual(checkRecordQueue(10, 5, 5, 1000), { healthy: true, detail: '' })
  assert.deepEqual(checkRecordQueue(10, 6, 5, 1000), { healthy: false, detail: '1 record dropped since the last check, 10 waiting' })
  assert.deepEqual(checkRecordQueue(1000, 5, 5, 1000), { healthy: false, detail: '1000 records waiting (limit 1000)' })
})

test('watchRecordQueue reports each interval, compares drops with the previous check, and stops', () => {
  const clock = new ManualClock()
  const stats = { depth: 0, written: 0, dropped: 3 }
  const checks: string[] = []
  const watch = watchRecordQueue({
    stats: { depth: () => stats.depth, written: () => stats.written, dropped: () => stats.dropped },
    store: 'records',
    backlog: 100,
    intervalMs: 10_000,
    clock,
    events: {
      upstreamAttempts: () => undefined,
      modelRequests: () => undefined,
      storeChecked: (store, healthy, detail) => checks.push(`${store} ${healthy} ${detail}`.trimEnd()),
      upstreamBreaker: () => undefined,
      configReloaded: () => undefined,
    },
  })
  clock.advance(10_000)
  stats.dropped = 10
  stats.depth = 100
  clock.advance(10_000)
  clock.advance(10_000)
  stats.depth = 0
  clock.advance(10_000)
  assert.deepEqual(checks, [
    'records true',
    'records false 7 records dropped since the last check, 100 waiting',
    'records false 100 records waiting (limit 100)',
    'records true',
  ])
  watch.stop()
  clock.advance(60_000)
  assert.equal(checks.length, 4)
  assert.equal(clock.pending, 0)
})
