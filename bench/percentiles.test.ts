// Nearest-rank percentiles on small, hand-checked sample sets.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { percentile, summarizeLatencies } from './percentiles.js'

test('nearest rank picks a real sample: p50 of 1..10 is 5, p99 is 10', () => {
  const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  assert.equal(percentile(sorted, 50), 5)
  assert.equal(percentile(sorted, 99), 10)
  assert.equal(percentile(sorted, 0), 1)
})

test('p99 of 1..1000 is 990', () => {
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1)
  assert.equal(percentile(sorted, 99), 990)
})

test('summary sorts numerically, not as strings', () => {
  const summary = summarizeLatencies([10, 9, 100, 2])
  assert.equal(summary.p50Ms, 9)
  assert.equal(summary.maxMs, 100)
  assert.equal(summary.meanMs, 30.25)
})

test('no samples gives null figures, not a crash', () => {
  const summary = summarizeLatencies([])
  assert.equal(summary.count, 0)
  assert.equal(summary.p50Ms, null)
  assert.equal(summary.maxMs, null)
})
