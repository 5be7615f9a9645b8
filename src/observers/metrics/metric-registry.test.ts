// MetricRegistry: one series per label set, checked names, and snapshots that do not change afterwards.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricRegistry } from './metric-registry.js'

test('the same label values give the same series', () => {
  const family = new MetricRegistry().counter({ name: 'c_total', help: 'C.', labelNames: ['a'] })
  assert.equal(family.labels('x'), family.labels('x'))
  assert.notEqual(family.labels('x'), family.labels('y'))
})

test('label values that would collide when joined naively stay apart', () => {
  const family = new MetricRegistry().counter({ name: 'c_total', help: 'C.', labelNames: ['a', 'b'] })
  assert.notEqual(family.labels('a,b', 'c'), family.labels('a', 'b,c'))
})

test('a wrong number of label values is a programming error', () => {
  const family = new MetricRegistry().counter({ name: 'c_total', help: 'C.', labelNames: ['a'] })
  assert.throws(() => family.labels(), /takes 1 label values, got 0/)
})

test('names are checked and unique', () => {
  const registry = new MetricRegistry()
  registry.counter({ name: 'c_total', help: 'C.' })
  assert.throws(() => registry.counter({ name: 'c_total', help: 'again' }), /registered twice/)
  assert.throws(() => registry.gauge({ name: 'bad-name', help: 'x' }), /invalid metric name/)
  assert.throws(() => registry.gauge({ name: 'g', help: 'x', labelNames: ['le'] }), /invalid label name le/)
  assert.throws(() => registry.histogram({ name: 'h', help: 'x', buckets: [1, 1] }), /buckets must increase/)
})

test('a snapshot is a copy: later increments do not change it', () => {
  const registry = new MetricRegistry()
  const counter = registry.counter({ name: 'c_total', help: 'C.' }).labels()
  const histogram = registry.histogram({ name: 'h', help: 'H.', buckets: [1] }).labels()
  counter.inc()
  histogram.observe(0.5)
  const snapshot = registry.snapshot()
  counter.inc()
  histogram.observe(0.5)
  assert.deepEqual(snapshot[0]?.samples, [{ labels: [], value: 1 }])
  assert.deepEqual(snapshot[1]?.samples, [{ labels: [], counts: [1, 0], sum: 0.5 }])
})
