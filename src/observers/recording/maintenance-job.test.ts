// MaintenanceJob: retention in batches with pauses between them, scrubbing first, and a clean stop.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock, settle } from '../../time/manual-clock.js'
import { createLogger } from '../../log/logger.js'
import { MaintenanceJob, type MaintainedStore } from './maintenance-job.js'

class FakeStore implements MaintainedStore {
  readonly calls: string[] = []
  constructor(
    public expired: number,
    public legacy: number,
  ) {}
  async deleteOlderThan(cutoffMs: number, limit: number): Promise<number> {
    const n = Math.min(limit, this.expired)
    this.expired -= n
    this.calls.push(`delete<${cutoffMs}:${n}`)
    return n
  }
  async scrubLegacySecrets(limit: number): Promise<number> {
    const n = Math.min(limit, this.legacy)
    this.legacy -= n
    this.calls.push(`scrub:${n}`)
    return n
  }
}

const quiet = createLogger({ level: 'silent' })
const day = 86_400_000

test('retention deletes expired rows one batch per statement, pausing between batches', async () => {
  const clock = new ManualClock()
  const store = new FakeStore(25, 0)
  const job = new MaintenanceJob({ store, clock, logger: quiet, retentionDays: 7, batchSize: 10, pauseMs: 50 })
  const pass = job.runOnce()
  await settle()
  const cutoff = clock.wallNow() - 7 * day
  assert.deepEqual(store.calls, ['scrub:0', `delete<${cutoff}:10`], 'the second batch waits for the pause')
  await clock.advanceSettling(50)
  await clock.advanceSettling(50)
  assert.deepEqual(await pass, { deleted: 25, scrubbed: 0 })
  assert.deepEqual(store.calls.slice(1), [`delete<${cutoff}:10`, `delete<${cutoff}:10`, `delete<${cutoff}:5`])
})

test('retention_days 0 keeps every row; the predecessor rows are still scrubbed', async () => {
  const clock = new ManualClock()
  const store = new FakeStore(100, 3)
  const job = new MaintenanceJob({ store, clock, logger: quiet, retentionDays: 0, batchSize: 10 })
  assert.deepEqual(await job.runOnce(), { deleted: 0, scrubbed: 3 })
  assert.equal(store.expired, 100)
})

test('start runs a pass at once and then every interval; stop ends a pass between batches', async () => {
  const clock = new ManualClock()
  const store = new FakeStore(0, 0)
  const job = new MaintenanceJob({ store, clock, logger: quiet, retentionDays: 1, batchSize: 10, intervalMs: 60_000, pauseMs: 1000 })
  job.start()
  await settle()
  assert.equal(store.calls.length, 2)
  await clock.advanceSettling(60_000)
  assert.equal(store.calls.length, 4)
  store.expired = 1000
  await clock.advanceSettling(60_000)
  await job.stop()
  assert.ok(store.expired > 900, 'stopped after the batch in progress')
  assert.equal(clock.pending, 0)
})

test('a failing pass is logged and retried at the next interval', async () => {
  const clock = new ManualClock()
  const logs: string[] = []
  const store = new FakeStore(0, 0)
  let broken = true
  store.scrubLegacySecrets = async () => {
    if (broken) throw new Error('no such column: record_uid')
    return 0
  }
  const job = new MaintenanceJob({
    store,
    clock,
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    retentionDays: 1,
    intervalMs: 1000,
  })
  job.start()
  await settle()
  assert.ok(logs.some((line) => line.includes('records maintenance failed')))
  broken = false
  await clock.advanceSettling(1000)
  assert.ok(store.calls.some((call) => call.startsWith('delete<')))
  await job.stop()
})
