// mergeSnapshots: what one scrape of a multi-process gateway shows — sums, maxima, and per-process facts apart.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mergeSnapshots } from './merge-snapshots.js'
import { MetricRegistry } from './metric-registry.js'
import type { FamilySnapshot } from './metrics-snapshot.js'
import { renderPrometheusText } from './prometheus-text.js'

function worker(requests: number, durations: readonly number[], rss: number, version: string): FamilySnapshot[] {
  const registry = new MetricRegistry()
  registry
    .counter({ name: 'requests_total', help: 'R.', labelNames: ['model'] })
    .labels('m')
    .inc(requests)
  const histogram = registry.histogram({ name: 'duration_seconds', help: 'D.', buckets: [1] }).labels()
  for (const d of durations) histogram.observe(d)
  registry.collected({ name: 'rss_bytes', help: 'M.', type: 'gauge', merge: 'per_process', collect: () => [{ labels: [], value: rss }] })
  registry.collected({
    name: 'build_info',
    help: 'B.',
    type: 'gauge',
    labelNames: ['version'],
    merge: 'max',
    collect: () => [{ labels: [version], value: 1 }],
  })
  // Snapshots cross process boundaries as JSON.
  return JSON.parse(JSON.stringify(registry.snapshot())) as FamilySnapshot[]
}

test('counters and histograms add up; per-process gauges get a worker label; max-merged facts appear once', () => {
  const merged = mergeSnapshots([worker(3, [0.5, 2], 100, '1.0.0'), worker(4, [0.2], 200, '1.0.0')], ['1', '2'])
  const text = renderPrometheusText(merged)
  assert.ok(text.includes('requests_total{model="m"} 7\n'))
  assert.ok(
    text.includes(
      'duration_seconds_bucket{le="1"} 2\nduration_seconds_bucket{le="+Inf"} 3\nduration_seconds_sum 2.7\nduration_seconds_count 3\n',
    ),
  )
  assert.ok(text.includes('rss_bytes{worker="1"} 100\nrss_bytes{worker="2"} 200\n'))
  assert.ok(text.includes('build_info{version="1.0.0"} 1\n'))
})

test('a series only one process has is kept as it is', () => {
  const a = worker(1, [], 1, 'x')
  const registry = new MetricRegistry()
  registry
    .counter({ name: 'requests_total', help: 'R.', labelNames: ['model'] })
    .labels('n')
    .inc(5)
  const merged = mergeSnapshots([a, registry.snapshot()])
  const requests = merged.find((family) => family.name === 'requests_total')
  assert.deepEqual(requests?.samples, [
    { labels: ['m'], value: 1 },
    { labels: ['n'], value: 5 },
  ])
})
