// DirectBodySink: a body relayed from its first byte, or held to its end (up to a bound) before the client gets any.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FakeAttemptContext } from '../../tests/helpers/fake-attempt-context.js'
import { GatewayError } from '../errors/gateway-error.js'
import { DirectBodySink } from './direct-body-sink.js'
import { HeldBody } from './held-body.js'

test('a body that commits at its first byte is relayed chunk by chunk, as it is', () => {
  const context = new FakeAttemptContext()
  const sink = new DirectBodySink(context, undefined)
  sink.push(Buffer.from('RIFF'))
  assert.equal(context.commits.length, 1)
  sink.push(Buffer.from('data'))
  assert.equal(sink.end(), undefined)
  assert.deepEqual(
    context.res.calls.filter((c) => c.call === 'write').map((c) => c.call === 'write' && c.bytes),
    ['RIFF', 'data'],
  )
})

test('a held body reaches the client only at its end, in one write, and its usage is read', () => {
  const context = new FakeAttemptContext()
  const sink = new DirectBodySink(context, new HeldBody(1024))
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
  const body = JSON.stringify({ choices: [{ message: { content: 'hi' } }], usage })
  sink.push(Buffer.from(body.slice(0, 10)))
  sink.push(Buffer.from(body.slice(10)))
  assert.equal(context.committed, false)
  sink.end()
  assert.equal(context.commits.length, 1)
  assert.equal(context.res.body, body)
  assert.deepEqual(sink.captured().usage, { promptTokens: 1, completionTokens: 1, totalTokens: 2 })
})

test('a held body past its bound commits and streams the rest as it comes', () => {
  const context = new FakeAttemptContext()
  const sink = new DirectBodySink(context, new HeldBody(4))
  sink.push(Buffer.from('{"a"'))
  assert.equal(context.committed, false)
  sink.push(Buffer.from(':1'))
  assert.equal(context.committed, true)
  sink.push(Buffer.from('}'))
  sink.end()
  assert.equal(context.commits.length, 1)
  assert.equal(context.res.body, '{"a":1}')
})

test('a failure after the commit point cuts the connection', () => {
  const context = new FakeAttemptContext()
  const sink = new DirectBodySink(context, undefined)
  sink.push(Buffer.from('x'))
  const error = new GatewayError('upstream_reset', 'reset')
  sink.interrupt(error)
  assert.deepEqual(context.res.calls.at(-1), { call: 'destroy', error })
})
