// WorkerSnapshots: merged counters never fall when a worker goes or a reply is late; a gone worker's gauges go with it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSamples, sumOf } from '../../../tests/helpers/prometheus-samples.js'
import { MetricRegistry } from './metric-registry.js'
import type { FamilySnapshot } from './metrics-snapshot.js'
import { renderPrometheusText } from './prometheus-text.js'
import { finalSnapshot, WorkerSnapshots } from './worker-snapshots.js'

function process(requests: number, inFlight: number, durations: readonly number[] = []): FamilySnapshot[] {
  const registry = new MetricRegistry()
  registry
    .counter({ name: 'requests_total', help: 'R.', labelNames: ['model'] })
    .labels('m')
    .inc(requests)
  registry.gauge({ name: 'in_flight', help: 'I.' }).labels().set(inFlight)
  registry.collected({ name: 'rss_bytes', help: 'M.', type: 'gauge', merge: 'per_process', collect: () => [{ labels: [], value: 100 }] })
  registry.collected({
    name: 'cpu_seconds_total',
    help: 'C.',
    type: 'counter',
    merge: 'per_process',
    collect: () => [{ labels: [], value: 1 }],
  })
  const histogram = registry.histogram({ name: 'duration_seconds', help: 'D.', buckets: [1] }).labels()
  for (const d of durations) histogram.observe(d)
  return JSON.parse(JSON.stringify(registry.snapshot())) as FamilySnapshot[]
}

const scrape = (snapshots: WorkerSnapshots) => parseSamples(renderPrometheusText(snapshots.merged(process(0, 0))))

test("a departed worker's counters and histograms stay in the total; its gauges and per-process series go", () => {
  const snapshots = new WorkerSnapshots()
  snapshots.update('1', 1, process(4, 2, [0.5, 2]))
  snapshots.update('2', 1, process(2, 1, [0.1]))
  let samples = scrape(snapshots)
  assert.equal(sumOf(samples, 'requests_total'), 6)
  assert.equal(sumOf(samples, 'in_flight'), 3)
  snapshots.depart('1')
  samples = scrape(snapshots)
  assert.equal(sumOf(samples, 'requests_total'), 6)
  assert.equal(sumOf(samples, 'duration_seconds_count'), 3)
  assert.equal(sumOf(samples, 'duration_seconds_bucket', { le: '1' }), 2)
  assert.equal(sumOf(samples, 'in_flight'), 1, 'a gone worker has nothing in flight')
  assert.equal(sumOf(samples, 'rss_bytes', { worker: '1' }), 0)
  assert.equal(sumOf(samples, 'cpu_seconds_total', { worker: '1' }), 0, 'per-process series end with their process')
  assert.equal(sumOf(samples, 'cpu_seconds_total', { worker: '2' }), 1)
  // Its replacement starts from zero; the total goes on from where it was.
  snapshots.update('3', 2, process(1, 0))
  assert.equal(sumOf(scrape(snapshots), 'requests_total'), 7)
  snapshots.depart('2')
  snapshots.depart('3')
  assert.equal(sumOf(scrape(snapshots), 'requests_total'), 7)
})

test('a late reply never replaces a newer snapshot; a final snapshot is newest', () => {
  const snapshots = new WorkerSnapshots()
  snapshots.update('1', 5, process(10, 0))
  snapshots.update('1', 4, process(8, 0))
  assert.equal(sumOf(scrape(snapshots), 'requests_total'), 10)
  snapshots.update('1', finalSnapshot, process(12, 0))
  snapshots.update('1', 6, process(11, 0))
  snapshots.depart('1')
  assert.equal(sumOf(scrape(snapshots), 'requests_total'), 12)
})

test('a worker that goes before its first snapshot leaves nothing behind', () => {
  const snapshots = new WorkerSnapshots()
  snapshots.depart('7')
  assert.equal(sumOf(scrape(snapshots), 'requests_total'), 0)
})
