// Process metrics: every sample carries exactly its family's labels, so no series repeats or loses its label.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mergeSnapshots } from './merge-snapshots.js'
import { MetricRegistry } from './metric-registry.js'
import { registerProcessMetrics } from './process-metrics.js'

test("each family's samples have one value per label name and distinct label sets, alone and merged", () => {
  const registry = new MetricRegistry()
  const metrics = registerProcessMetrics(registry)
  // Keep a few kinds of resource active, so nodejs_active_resources has several types.
  const timer = setInterval(() => undefined, 60_000)
  try {
    const one = registry.snapshot()
    for (const families of [one, mergeSnapshots([one, registry.snapshot()], ['1', '2'])]) {
      for (const family of families) {
        const keys = family.samples.map((sample) => {
          assert.equal(
            sample.labels.length,
            family.labelNames.length,
            `${family.name}: labels ${JSON.stringify(sample.labels)} for ${JSON.stringify(family.labelNames)}`,
          )
          return sample.labels.join('\u0000')
        })
        assert.equal(new Set(keys).size, keys.length, `${family.name} repeats a series`)
      }
    }
    const resources = one.find((family) => family.name === 'nodejs_active_resources')
    assert.deepEqual(resources?.labelNames, ['type'])
    assert.ok(resources.samples.some((sample) => sample.labels[0] === 'Timeout'))
  } finally {
    clearInterval(timer)
    metrics.stop()
  }
})
