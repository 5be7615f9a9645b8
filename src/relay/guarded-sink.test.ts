// GuardedSink: what the sink throws goes to onBug, never back to whoever called it; everything else passes through.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GatewayError } from '../errors/gateway-error.js'
import type { ResponseSink } from '../providers/provider-adapter.js'
import { GuardedSink } from './guarded-sink.js'

const throwing: ResponseSink = {
  onResponseStart: () => {
    throw new TypeError('start')
  },
  onResponseData: () => {
    throw new TypeError('data')
  },
  onResponseEnd: () => {
    throw new TypeError('end')
  },
  onResponseError: () => {
    throw new TypeError('error')
  },
}

test('each exception reaches onBug and none reaches the caller; a failed data call asks the adapter to pause', () => {
  const bugs: string[] = []
  const sink = new GuardedSink(throwing, (bug) => bugs.push((bug as Error).message))
  sink.onResponseStart(200, [])
  assert.equal(sink.onResponseData(Buffer.from('x')), false)
  sink.onResponseEnd()
  sink.onResponseError(new GatewayError('upstream_reset', 'reset'))
  assert.deepEqual(bugs, ['start', 'data', 'end', 'error'])
})

test('calls and their results pass through unchanged', () => {
  const calls: unknown[] = []
  const sink = new GuardedSink(
    {
      onResponseStart: (status, headers) => calls.push([status, headers]),
      onResponseData: (chunk) => calls.push(chunk.toString()) > 1,
      onResponseEnd: () => calls.push('end'),
      onResponseError: (error) => calls.push(error.code),
    },
    () => assert.fail('no bug'),
  )
  sink.onResponseStart(201, ['a', 'b'])
  assert.equal(sink.onResponseData(Buffer.from('x')), true)
  sink.onResponseEnd()
  sink.onResponseError(new GatewayError('upstream_reset', 'reset'))
  assert.deepEqual(calls, [[201, ['a', 'b']], 'x', 'end', 'upstream_reset'])
})
