import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'
import type { WorkerMessage } from './cluster-messages.js'
import { workerHealthSync } from './worker-health-sync.js'

function record(changedAt: number, origin: string, upstream = 'u'): UpstreamHealthRecord {
  return { upstream, state: 'open', openUntil: changedAt + 1_000, cooldownMs: 1_000, rateLimited: false, changedAt, origin }
}

test('a worker sends its changes to the primary and hears only news from it, never its own change back', () => {
  const sent: WorkerMessage[] = []
  const sync = workerHealthSync((m) => sent.push(m))
  const heard: UpstreamHealthRecord[] = []
  sync.onRemote((r) => heard.push(r))
  sync.publish(record(10, 'me'))
  assert.deepEqual(sent, [{ type: 'oar:health', record: record(10, 'me') }])
  sync.receive([record(10, 'me'), record(9, 'other'), 'junk', record(11, 'other'), record(1, 'other', 'v')])
  assert.deepEqual(heard, [record(11, 'other'), record(1, 'other', 'v')])
})

test('snapshot() asks the primary and answers with what it sent, plus what the worker knew', async () => {
  const sent: WorkerMessage[] = []
  const sync = workerHealthSync((m) => sent.push(m))
  sync.publish(record(5, 'me', 'mine'))
  const snapshot = sync.snapshot()
  const ask = sent.at(-1)
  assert.equal(ask?.type, 'oar:health-snapshot')
  sync.answer(ask.type === 'oar:health-snapshot' ? ask.id : -1, [record(7, 'other')])
  assert.deepEqual(await snapshot, [record(5, 'me', 'mine'), record(7, 'other')])
})
