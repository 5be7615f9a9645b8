import { test } from 'node:test'
import assert from 'node:assert/strict'
import { closedLoopSpreadMs } from './load-generator.js'

test('stream workers start spread over one stream, so streams are not in step', () => {
  assert.equal(closedLoopSpreadMs({ stream: true, mockStream: { chunks: 50, chunkGapMs: 20 }, warmupMs: 2000 }), 1000)
})

test('the spread never outlasts the warm-up, so measured requests come from settled workers', () => {
  assert.equal(closedLoopSpreadMs({ stream: true, mockStream: { chunks: 50, chunkGapMs: 100 }, warmupMs: 2000 }), 2000)
})

test('non-stream workers start at once', () => {
  assert.equal(closedLoopSpreadMs({ stream: false, warmupMs: 2000 }), 0)
})
