// RequestRelay and its Attempt against adapters with a bug (the gateway's fault) or an upstream that misbehaves after
// [DONE] (the upstream's): whose fault each is decides failover, the answer, the record and the log.
import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import { ManualClock } from '../time/manual-clock.js'
import { chatRequest, upstreamFrom } from '../../tests/helpers/recording-sink.js'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { createLogger } from '../log/logger.js'
import type { AttemptControl, ProviderAdapter, ResponseSink } from '../providers/provider-adapter.js'
import { systemClock, type Clock } from '../time/clock.js'
import { RequestRelay, type AttemptTiming, type RelayOptions, type RelayResult } from './relay-request.js'

const servers: Server[] = []
after(() => {
  for (const server of servers) server.close()
})

interface Relayed {
  readonly response: Response
  readonly result: RelayResult
  readonly logs: Array<Record<string, unknown>>
}

/** One client request through a RequestRelay over `plan`, on a real HTTP server on 127.0.0.1. */
async function relayThrough(
  plan: UpstreamConfig[],
  adapterFor: (upstream: UpstreamConfig) => ProviderAdapter,
  clock: Clock = systemClock,
  extra: Pick<RelayOptions, 'requestFor' | 'onAttemptTiming'> = {},
): Promise<Relayed> {
  const logs: Array<Record<string, unknown>> = []
  const logger = createLogger({ level: 'warn', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) })
  let resolveResult!: (result: RelayResult) => void
  const result = new Promise<RelayResult>((resolve) => {
    resolveResult = resolve
  })
  const server = createServer((_req, res: ServerResponse) => {
    const request = { ...chatRequest({ model: 'gpt-4o-mini', messages: [], stream: true }), requestId: 'req-bug-1' }
    const relay = new RequestRelay({
      request,
      res,
      plan,
      adapterFor,
      clock,
      closeConnection: () => false,
      stripUsageChunk: false,
      logger,
      ...extra,
    })
    void relay.run().then(resolveResult)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, {
    method: 'POST',
    body: '{}',
  })
  return { response, result: await result, logs }
}

const nothingToControl: AttemptControl = { abort: () => undefined, resume: () => undefined }

/** An adapter that answers a whole stream, counting the requests it was given. */
function answering(): ProviderAdapter & { sent: number } {
  return {
    type: 'openai',
    sent: 0,
    send(_request, _upstream, sink) {
      this.sent++
      sink.onResponseStart(200, ['content-type', 'text/event-stream'])
      sink.onResponseData(Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'))
      sink.onResponseEnd()
      return nothingToControl
    },
  }
}

test("an adapter that throws is the gateway's bug: a 500 internal_error, no failover, not the upstream's failure, logged with its stack", async () => {
  const buggy: ProviderAdapter = {
    type: 'openai',
    send() {
      throw new TypeError("Cannot read properties of undefined (reading 'choices')")
    },
  }
  const next = answering()
  const plan = [
    upstreamFrom('name: first', 'endpoint: http://127.0.0.1:9/v1'),
    upstreamFrom('name: second', 'endpoint: http://127.0.0.1:9/v1'),
  ]
  const { response, result, logs } = await relayThrough(plan, (upstream) => (upstream.name === 'first' ? buggy : next))

  assert.equal(response.status, 500)
  assert.equal(response.headers.get('x-request-id'), 'req-bug-1')
  const body = (await response.json()) as { error: { message: string; type: string; param: null; code: string } }
  assert.equal(body.error.code, 'internal_error')
  assert.equal(body.error.type, 'server_error')
  assert.equal(body.error.param, null)
  // Nothing internal reaches the client: not the exception, not a path, not the upstream.
  assert.doesNotMatch(body.error.message, /TypeError|properties|\.js|first/)
  // The next upstream is not tried: an upstream cannot fix the gateway's bug.
  assert.equal(next.sent, 0)
  assert.equal(result.errorCode, 'internal_error')
  assert.deepEqual(
    result.attempts.map((a) => [a.upstream, a.outcome, a.errorCode]),
    [['first', 'internal_error', 'internal_error']],
  )
  const line = logs.find((l) => l['msg'] === 'internal error')
  assert.equal(line?.['level'], 'error')
  assert.equal(line?.['requestId'], 'req-bug-1')
  assert.match(String(line?.['stack']), /TypeError: Cannot read properties of undefined \(reading 'choices'\)\n\s+at /)
  // Not logged as an upstream's failed attempt.
  assert.equal(logs.filter((l) => l['msg'] === 'attempt failed').length, 0)
})

test("an exception in the attempt's handling of an answer, called from outside any catch, is internal_error with no failover", async () => {
  let stopped: GatewayError | undefined
  // A buggy adapter: from a timer (no undici callback around it), it reports a head without its header list.
  const buggy: ProviderAdapter = {
    type: 'openai',
    send(_request, _upstream, sink) {
      setImmediate(() => sink.onResponseStart(200, undefined as unknown as string[]))
      return { abort: (error) => (stopped = error), resume: () => undefined }
    },
  }
  const next = answering()
  const plan = [
    upstreamFrom('name: first', 'endpoint: http://127.0.0.1:9/v1'),
    upstreamFrom('name: second', 'endpoint: http://127.0.0.1:9/v1'),
  ]
  const { response, result, logs } = await relayThrough(plan, (upstream) => (upstream.name === 'first' ? buggy : next))

  assert.equal(response.status, 500)
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'internal_error')
  assert.equal(next.sent, 0)
  assert.deepEqual(
    result.attempts.map((a) => [a.upstream, a.outcome, a.errorCode]),
    [['first', 'internal_error', 'internal_error']],
  )
  // The upstream request is stopped with the same error.
  assert.equal(stopped?.code, 'internal_error')
  assert.match(String(logs.find((l) => l['msg'] === 'internal error')?.['stack']), /^TypeError/)
})

test('a stream kept open after [DONE]: the client has its whole answer, then the upstream is let go with upstream_bad_response', async () => {
  const clock = new ManualClock()
  const aborts: GatewayError[] = []
  const lingering: ProviderAdapter = {
    type: 'openai',
    send(_request, _upstream, sink: ResponseSink) {
      sink.onResponseStart(200, ['content-type', 'text/event-stream'])
      sink.onResponseData(Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'))
      // ...and no end: the connection stays open.
      return { abort: (error) => aborts.push(error), resume: () => undefined }
    },
  }
  const { response, result } = await relayThrough([upstreamFrom('name: only', 'endpoint: http://127.0.0.1:9/v1')], () => lingering, clock)
  assert.equal(response.status, 200)
  assert.match(await response.text(), /data: \[DONE\]\n\n$/)
  assert.equal(result.errorCode, undefined)
  assert.equal(aborts.length, 0)
  // The attempt's deadlines are gone with it; what is left is the grace given to the upstream to end.
  assert.equal(clock.pending, 1)
  clock.advance(60_000)
  assert.deepEqual(
    aborts.map((error) => [error.code, error.retryable]),
    [['upstream_bad_response', true]],
  )
})

test('each upstream is sent its own request, and each attempt that answers or fails over reports its timing', async () => {
  const clock = new ManualClock()
  const models: string[] = []
  const failing: ProviderAdapter = {
    type: 'openai',
    send(request, _upstream, sink) {
      models.push(request.model)
      clock.advance(40)
      sink.onResponseError(new GatewayError('upstream_connect_error', 'refused'))
      return nothingToControl
    },
  }
  const next = answering()
  const plan = [
    upstreamFrom('name: first', 'endpoint: http://127.0.0.1:9/v1'),
    upstreamFrom('name: second', 'endpoint: http://127.0.0.1:9/v1'),
  ]
  const timings: Array<[string, AttemptTiming]> = []
  const { response, result } = await relayThrough(plan, (u) => (u.name === 'first' ? failing : next), clock, {
    requestFor: (upstream) => ({ ...chatRequest({ model: `${upstream.name}-model`, messages: [] }), requestId: 'req-bug-1' }),
    onAttemptTiming: (upstream, timing) => timings.push([upstream.name, timing]),
  })
  assert.equal(response.status, 200)
  await response.text()
  assert.equal(result.upstream?.name, 'second')
  assert.deepEqual(models, ['first-model'])
  assert.deepEqual(timings, [
    ['first', { kind: 'failed', durationMs: 40 }],
    ['second', { kind: 'answered', firstByteMs: 0 }],
  ])
})
