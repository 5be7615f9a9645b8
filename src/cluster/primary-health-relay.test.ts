import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { HealthSync } from '../state/health-sync.js'
import { noHealthSync } from '../state/health-sync.js'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'
import { PrimaryHealthRelay } from './primary-health-relay.js'

function record(changedAt: number, origin: string, upstream = 'u'): UpstreamHealthRecord {
  return { upstream, state: 'open', openUntil: changedAt + 1_000, cooldownMs: 1_000, rateLimited: false, changedAt, origin }
}

/** Replicas as the relay sees them: what it published, and a way to make a change arrive from elsewhere. */
function fakeReplicas(): { sync: HealthSync; published: UpstreamHealthRecord[]; arrive: (r: UpstreamHealthRecord) => void } {
  const published: UpstreamHealthRecord[] = []
  const listeners: Array<(r: UpstreamHealthRecord) => void> = []
  return {
    sync: { ...noHealthSync, publish: (r) => published.push(r), onRemote: (l) => listeners.push(l) },
    published,
    arrive: (r) => listeners.forEach((l) => l(r)),
  }
}

test('a worker’s change goes to the other workers and to the replicas; a stale or malformed one goes nowhere', () => {
  const sent: Array<{ records: readonly UpstreamHealthRecord[]; except: number | undefined }> = []
  const replicas = fakeReplicas()
  const relay = new PrimaryHealthRelay({ broadcast: (records, except) => sent.push({ records, except }), replicas: replicas.sync })
  relay.fromWorker(1, record(10, 'w1'))
  relay.fromWorker(2, record(9, 'w2'))
  relay.fromWorker(2, { upstream: 'u', state: 'open' })
  assert.deepEqual(sent, [{ records: [record(10, 'w1')], except: 1 }])
  assert.deepEqual(replicas.published, [record(10, 'w1')])
  assert.deepEqual(relay.snapshot(), [record(10, 'w1')])
})

test('a change from another replica goes to every worker, once, and joins the snapshot', () => {
  const sent: Array<{ records: readonly UpstreamHealthRecord[]; except: number | undefined }> = []
  const replicas = fakeReplicas()
  const relay = new PrimaryHealthRelay({ broadcast: (records, except) => sent.push({ records, except }), replicas: replicas.sync })
  replicas.arrive(record(10, 'elsewhere', 'a'))
  replicas.arrive(record(10, 'elsewhere', 'a'))
  relay.fromWorker(1, record(11, 'w1', 'b'))
  assert.deepEqual(sent, [
    { records: [record(10, 'elsewhere', 'a')], except: undefined },
    { records: [record(11, 'w1', 'b')], except: 1 },
  ])
  assert.deepEqual(replicas.published, [record(11, 'w1', 'b')])
  assert.deepEqual(relay.snapshot(), [record(10, 'elsewhere', 'a'), record(11, 'w1', 'b')])
})
