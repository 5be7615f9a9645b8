// ErrorBodySink: an answer that fails over is never written, but kept (bounded, decoded) for the final answer.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { ErrorBodySink, maxErrorBodyBytes } from './error-body-sink.js'

test('the body is kept and decoded, and the failure names the status', () => {
  const sink = new ErrorBodySink('primary', 503, ['content-encoding', 'gzip'])
  const zipped = gzipSync('{"error":"busy"}')
  sink.push(zipped.subarray(0, 5))
  sink.push(zipped.subarray(5))
  const failure = sink.end()
  assert.equal(failure.error.code, 'upstream_status')
  assert.equal(failure.error.status, 503)
  assert.equal(failure.answer?.body.toString(), '{"error":"busy"}')
  assert.deepEqual(sink.captured(), { usage: undefined, text: undefined })
})

test('a long body is kept only up to the bound (the chunk that crosses it included)', () => {
  const sink = new ErrorBodySink('primary', 500, [])
  sink.push(Buffer.alloc(maxErrorBodyBytes - 1))
  sink.push(Buffer.alloc(10))
  sink.push(Buffer.alloc(10))
  assert.equal(sink.end().answer?.body.length, maxErrorBodyBytes + 9)
})
