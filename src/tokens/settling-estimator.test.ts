// SettlingTokenEstimator: settle() answers what is still being counted at once, and everything asked later.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SettlingTokenEstimator } from './settling-estimator.js'
import type { TokenEstimator } from './token-estimator.js'

/** A counter that never answers, like a tokenizer that has not loaded yet. */
const neverAnswers: TokenEstimator = { count: () => new Promise<number[]>(() => undefined), close: () => Promise.resolve() }

test('counts pass through while not settled', async () => {
  const estimator = new SettlingTokenEstimator({
    count: (texts) => Promise.resolve(texts.map((t) => t.length)),
    close: () => Promise.resolve(),
  })
  assert.deepEqual(await estimator.count(['ab', 'abc']), [2, 3])
})

test('settle() answers the counts still waiting with none (rough counts), and every later one at once', async () => {
  const estimator = new SettlingTokenEstimator(neverAnswers)
  const waiting = estimator.count(['hello'])
  estimator.settle()
  assert.deepEqual(await waiting, [])
  assert.deepEqual(await estimator.count(['later']), [])
})

test('a counter that fails is answered with none rather than an error', async () => {
  const estimator = new SettlingTokenEstimator({ count: () => Promise.reject(new Error('thread died')), close: () => Promise.resolve() })
  assert.deepEqual(await estimator.count(['x']), [])
})
