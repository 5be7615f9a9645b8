// AlertOutbox: in order, off the caller's path, retried after delays (the same message id each time), then counted.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../../log/logger.js'
import { ManualClock } from '../../time/manual-clock.js'
import type { AlertCounters } from './alert-counters.js'
import { AlertOutbox } from './alert-outbox.js'
import { AlertSendError } from './alert-send-error.js'
import type { AlertMessage, AlertSink } from './alert-sink.js'

interface Harness {
  clock: ManualClock
  outbox: AlertOutbox
  tries: AlertMessage[]
  counts: { sent: number; failed: number }
  logs: string[]
}

/** `answers` decides each try in turn: true delivers, an error fails. The last one repeats. */
function harness(answers: Array<true | AlertSendError>, retryDelaysMs = [1000, 5000]): Harness {
  const clock = new ManualClock()
  const tries: AlertMessage[] = []
  const counts = { sent: 0, failed: 0 }
  const logs: string[] = []
  const sink: AlertSink = {
    kind: 'matrix',
    label: 'matrix[0]',
    async send(message) {
      tries.push(message)
      const answer = answers.length > 1 ? answers.shift() : answers[0]
      if (answer !== true) throw answer ?? new Error('no answer scripted')
    },
  }
  const counters: AlertCounters = { sent: () => counts.sent++, failed: () => counts.failed++, suppressed: () => undefined }
  const outbox = new AlertOutbox({
    sink,
    clock,
    counters,
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    retryDelaysMs,
    maxQueued: 3,
  })
  return { clock, outbox, tries, counts, logs }
}

/** Lets the outbox's promise chain run (it awaits the sink), without waiting for any time to pass. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

test('a failed send is retried after each delay with the same message id, then delivered', async () => {
  const { clock, outbox, tries, counts } = harness([
    new AlertSendError('alert_status', 'HTTP 502'),
    new AlertSendError('alert_network', 'reset'),
    true,
  ])
  outbox.enqueue({ id: 'm1', text: 'x' })
  await settle()
  assert.equal(tries.length, 1)
  clock.advance(999)
  await settle()
  assert.equal(tries.length, 1)
  clock.advance(1)
  await settle()
  assert.equal(tries.length, 2)
  clock.advance(5000)
  await settle()
  await outbox.idle()
  assert.deepEqual(
    tries.map((m) => m.id),
    ['m1', 'm1', 'm1'],
  )
  assert.deepEqual(counts, { sent: 1, failed: 0 })
})

test('after the last retry the message is given up on, counted and logged without its text', async () => {
  const { clock, outbox, tries, counts, logs } = harness([new AlertSendError('alert_rejected', 'Feishu code 19021')])
  outbox.enqueue({ id: 'm1', text: 'secret-free but long text' })
  outbox.enqueue({ id: 'm2', text: 'y' })
  for (let i = 0; i < 6; i++) {
    await settle()
    clock.advance(5000)
  }
  await outbox.idle()
  assert.deepEqual(
    tries.map((m) => m.id),
    ['m1', 'm1', 'm1', 'm2', 'm2', 'm2'],
    'in order: m2 waits for m1',
  )
  assert.deepEqual(counts, { sent: 0, failed: 2 })
  const warning = logs.find((line) => line.includes('alert not delivered'))
  assert.ok(warning?.includes('"code":"alert_rejected"'))
  assert.ok(!logs.some((line) => line.includes('long text')))
})

test("a server's requested wait is honoured when longer than the delay", async () => {
  const { clock, outbox, tries } = harness([new AlertSendError('alert_status', 'HTTP 429', { retryAfterMs: 20_000 }), true])
  outbox.enqueue({ id: 'm1', text: 'x' })
  await settle()
  clock.advance(19_999)
  await settle()
  assert.equal(tries.length, 1)
  clock.advance(1)
  await settle()
  await outbox.idle()
  assert.equal(tries.length, 2)
})

test('enqueue never waits, and a full queue gives up on its oldest message', async () => {
  const { outbox, counts, tries } = harness([new AlertSendError('alert_network', 'down')], [60_000])
  for (let i = 0; i < 5; i++) outbox.enqueue({ id: `m${i}`, text: 'x' })
  await settle()
  // m0 is being retried; of the four behind it, the oldest is dropped to keep three waiting.
  assert.equal(counts.failed, 1)
  assert.equal(tries.length, 1)
  outbox.close()
  await outbox.idle()
})

test('close stops a message waiting for its retry', async () => {
  const { clock, outbox, counts } = harness([new AlertSendError('alert_network', 'down')], [60_000])
  outbox.enqueue({ id: 'm1', text: 'x' })
  await settle()
  assert.equal(clock.pending, 1)
  outbox.close()
  await outbox.idle()
  assert.equal(counts.failed, 1)
  assert.equal(clock.pending, 0)
})

test('lastTries: a message waiting for its retry is tried now, and given up on when that fails, without waiting', async () => {
  const { clock, outbox, counts, tries } = harness([new AlertSendError('alert_network', 'down')], [1000, 5000])
  outbox.enqueue({ id: 'm1', text: 'x' })
  outbox.enqueue({ id: 'm2', text: 'y' })
  await settle()
  assert.equal(clock.pending, 1, 'm1 waits for its retry')
  let idle = false
  void outbox.idle().then(() => (idle = true))
  outbox.lastTries()
  await settle()
  assert.equal(idle, true, 'done with no time passing')
  assert.deepEqual(
    tries.map((m) => m.id),
    ['m1', 'm1', 'm2'],
    'm1 once more, m2 once',
  )
  assert.equal(counts.failed, 2)
  assert.equal(clock.pending, 0)
})
