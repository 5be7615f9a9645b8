// Prometheus text rendering: HELP/TYPE lines, label escaping, cumulative buckets with +Inf, _sum and _count.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricRegistry } from './metric-registry.js'
import { formatNumber, renderPrometheusText } from './prometheus-text.js'

test('a counter with labels renders HELP, TYPE and one line per series', () => {
  const registry = new MetricRegistry()
  const family = registry.counter({ name: 'demo_total', help: 'Demo counter.', labelNames: ['a', 'b'] })
  family.labels('x', 'y').inc()
  family.labels('x', 'y').inc(2)
  family.labels('x', 'z').inc()
  assert.equal(
    renderPrometheusText(registry.snapshot()),
    ['# HELP demo_total Demo counter.', '# TYPE demo_total counter', 'demo_total{a="x",b="y"} 3', 'demo_total{a="x",b="z"} 1', ''].join(
      '\n',
    ),
  )
})

test('label values and help text are escaped as the format requires', () => {
  const registry = new MetricRegistry()
  registry
    .gauge({ name: 'g', help: 'line one\nback\\slash', labelNames: ['v'] })
    .labels('q"uote\\back\nline')
    .set(1)
  const text = renderPrometheusText(registry.snapshot())
  assert.match(text, /^# HELP g line one\\nback\\\\slash$/m)
  assert.ok(text.includes('g{v="q\\"uote\\\\back\\nline"} 1'))
})

test('histogram buckets are cumulative, end with +Inf, and count equals the +Inf bucket', () => {
  const registry = new MetricRegistry()
  const series = registry.histogram({ name: 'h_seconds', help: 'H.', labelNames: ['u'], buckets: [0.1, 1] }).labels('a')
  for (const value of [0.05, 0.1, 0.5, 3]) series.observe(value)
  const lines = renderPrometheusText(registry.snapshot()).split('\n')
  assert.deepEqual(lines.slice(2, 7), [
    'h_seconds_bucket{u="a",le="0.1"} 2',
    'h_seconds_bucket{u="a",le="1"} 3',
    'h_seconds_bucket{u="a",le="+Inf"} 4',
    'h_seconds_sum{u="a"} 3.65',
    'h_seconds_count{u="a"} 4',
  ])
})

test('an unlabelled histogram has no braces on _sum and _count', () => {
  const registry = new MetricRegistry()
  registry
    .histogram({ name: 'plain', help: 'P.', buckets: [1] })
    .labels()
    .observe(2)
  const text = renderPrometheusText(registry.snapshot())
  assert.ok(text.includes('plain_bucket{le="1"} 0\nplain_bucket{le="+Inf"} 1\nplain_sum 2\nplain_count 1\n'))
})

test('collected families are read when snapshotted', () => {
  const registry = new MetricRegistry()
  let depth = 1
  registry.collected({ name: 'depth', help: 'D.', type: 'gauge', collect: () => [{ labels: [], value: depth }] })
  depth = 7
  assert.ok(renderPrometheusText(registry.snapshot()).includes('\ndepth 7\n'))
})

test("special numbers use the format's spellings", () => {
  assert.equal(formatNumber(Infinity), '+Inf')
  assert.equal(formatNumber(-Infinity), '-Inf')
  assert.equal(formatNumber(Number.NaN), 'NaN')
  assert.equal(formatNumber(1e21), '1e+21')
})
