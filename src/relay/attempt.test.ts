// The attempt's core on a manual clock, a fake response and a fake adapter: it settles once, its deadlines fire as
// time moves, an abort fails over before the commit point and ends the answer visibly after it, and the callbacks
// nobody else would catch (the drain, the timer after [DONE]) turn an exception into internal_error.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FakeResponse } from '../../tests/helpers/fake-response.js'
import { chatRequest, upstreamFrom } from '../../tests/helpers/recording-sink.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { AttemptControl, ProviderAdapter, ResponseSink } from '../providers/provider-adapter.js'
import { ManualClock } from '../time/manual-clock.js'
import { Attempt, type AttemptResult } from './attempt.js'

const sse = ['content-type', 'text/event-stream']
const content = (text: string): Buffer => Buffer.from(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] })}\n\n`)

/** An adapter that hands its sink to the test, and whose control ends the upstream request as a real one does. */
class FakeAdapter implements ProviderAdapter {
  readonly type = 'openai'
  sink: ResponseSink | undefined
  readonly aborts: string[] = []
  resumes = 0
  onAbort: (() => void) | undefined
  onResume: (() => void) | undefined

  send(_request: unknown, _upstream: unknown, sink: ResponseSink): AttemptControl {
    this.sink = sink
    return {
      abort: (error: GatewayError) => {
        this.aborts.push(error.code)
        this.onAbort?.()
        sink.onResponseError(error)
      },
      resume: () => {
        this.resumes++
        this.onResume?.()
      },
    }
  }
}

interface Started {
  readonly attempt: Attempt
  readonly adapter: FakeAdapter
  readonly res: FakeResponse
  readonly clock: ManualClock
  readonly sink: ResponseSink
}

function started(deadlines = { firstByteMs: 1_000, idleMs: 500, totalMs: 0 }): Started {
  const adapter = new FakeAdapter()
  const res = new FakeResponse()
  const clock = new ManualClock()
  const attempt = new Attempt({
    request: chatRequest({ model: 'm', messages: [], stream: true }),
    upstream: upstreamFrom('name: primary', 'endpoint: http://127.0.0.1:1'),
    adapter,
    res: res.asServerResponse(),
    deadlines,
    clock,
    closeConnection: false,
    stripUsageChunk: false,
    dialect: 'chat',
  })
  attempt.start()
  return { attempt, adapter, res, clock, sink: adapter.sink as ResponseSink }
}

async function settled(attempt: Attempt): Promise<AttemptResult> {
  return attempt.result
}

test('an answer settles once: what comes after its end changes nothing', async () => {
  const { attempt, res, sink } = started()
  sink.onResponseStart(200, sse)
  sink.onResponseData(content('hi'))
  sink.onResponseEnd()
  sink.onResponseError(new GatewayError('upstream_reset', 'late'))
  sink.onResponseEnd()
  assert.equal(sink.onResponseData(content('late')), false)
  const result = await settled(attempt)
  assert.equal(result.kind, 'committed')
  assert.equal(result.kind === 'committed' && result.error, undefined)
  assert.equal(res.calls.filter((c) => c.call === 'end').length, 1)
  assert.ok(!res.body.includes('late'))
})

test('the first-byte deadline fires as the clock moves, and the attempt fails over', async () => {
  const { attempt, adapter, res, clock, sink } = started()
  sink.onResponseStart(200, sse)
  clock.advance(999)
  assert.deepEqual(adapter.aborts, [])
  clock.advance(1)
  assert.deepEqual(adapter.aborts, ['upstream_timeout'])
  const result = await settled(attempt)
  assert.equal(result.kind, 'failed')
  assert.equal(result.error.code, 'upstream_timeout')
  assert.deepEqual(res.calls, [])
})

test('an abort before the commit point fails over; after it, the stream ends with an error event', async () => {
  const before = started()
  before.sink.onResponseStart(200, sse)
  before.sink.onResponseData(Buffer.from('data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n'))
  before.attempt.abort(new GatewayError('client_closed', 'gone'))
  const failed = await settled(before.attempt)
  assert.equal(failed.kind, 'failed')
  assert.deepEqual(before.res.calls, [])

  const after = started()
  after.sink.onResponseStart(200, sse)
  after.sink.onResponseData(content('hi'))
  after.attempt.abort(new GatewayError('upstream_timeout', 'slow'))
  const committed = await settled(after.attempt)
  assert.equal(committed.kind, 'committed')
  assert.equal(committed.error?.code, 'upstream_timeout')
  assert.match(after.res.body, /data: \{"error":\{.*"code":"upstream_timeout"/)
  assert.ok(!after.res.body.includes('[DONE]'))
})

test('a full client buffer pauses the idle deadline and the upstream until it drains', async () => {
  const { attempt, adapter, res, clock, sink } = started()
  sink.onResponseStart(200, sse)
  res.full = true
  assert.equal(sink.onResponseData(content('a')), false)
  clock.advance(5_000)
  assert.deepEqual(adapter.aborts, [])
  res.drain()
  assert.equal(adapter.resumes, 1)
  // The idle deadline runs again from the drain.
  clock.advance(500)
  assert.deepEqual(adapter.aborts, ['upstream_idle_timeout'])
  const result = await settled(attempt)
  assert.equal(result.kind, 'committed')
  assert.equal(result.error?.code, 'upstream_idle_timeout')
})

test('an exception while resuming after a drain ends the attempt as internal_error', async () => {
  const { attempt, adapter, res, sink } = started()
  sink.onResponseStart(200, sse)
  res.full = true
  sink.onResponseData(content('a'))
  adapter.onResume = () => {
    throw new TypeError('resume broke')
  }
  assert.doesNotThrow(() => res.drain())
  const result = await settled(attempt)
  assert.equal(result.error?.code, 'internal_error')
  assert.match(res.body, /"code":"internal_error"/)
})

test('[DONE] ends the answer at once; an upstream that stays open is let go after a moment, guarded', async () => {
  const { attempt, adapter, res, clock, sink } = started()
  sink.onResponseStart(200, sse)
  sink.onResponseData(Buffer.concat([content('hi'), Buffer.from('data: [DONE]\n\n')]))
  const result = await settled(attempt)
  assert.equal(result.kind, 'committed')
  assert.equal(result.kind === 'committed' && result.error, undefined)
  assert.ok(res.body.endsWith('data: [DONE]\n\n\r\n0\r\n\r\n'))
  adapter.onAbort = () => {
    throw new TypeError('abort broke')
  }
  assert.doesNotThrow(() => clock.advance(1_000))
  assert.deepEqual(adapter.aborts, ['upstream_bad_response', 'internal_error'])
})

test('an upstream that ends normally after [DONE] leaves no timer behind', async () => {
  const { attempt, adapter, clock, sink } = started()
  sink.onResponseStart(200, sse)
  sink.onResponseData(Buffer.from('data: [DONE]\n\n'))
  sink.onResponseEnd()
  await settled(attempt)
  clock.advance(10_000)
  assert.deepEqual(adapter.aborts, [])
})
