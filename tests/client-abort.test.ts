// A client that goes away: the upstream request is aborted at once, no other upstream is tried,
// and the outcome says client_closed.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test, type TestContext } from 'node:test'
import OpenAI from 'openai'
import type { AttemptRecord } from '../src/relay/request-outcome.js'
import { completion, json, openaiError, startFakeUpstream, type Behaviour, type FakeUpstream, type ReceivedRequest } from './helpers/fake-upstream.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { connectingTo, startUnacceptingEndpoint } from './helpers/unaccepting-endpoint.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key-abort'

async function gatewayFor(t: TestContext, upstreams: ReadonlyArray<{ name: string; endpoint: string }>): Promise<TestGateway> {
  // Deadlines far beyond the test's own timeout: only the client leaving can end these attempts in time.
  const lines = [`authorization: ${clientKey}`, 'timeout: 600', 'stream_timeout: 600', 'idle_timeout: 600', 'upstreams:']
  for (const upstream of upstreams) lines.push(`  - name: ${upstream.name}`, `    sk: sk-${upstream.name}-key`, `    endpoint: ${upstream.endpoint}`)
  const gateway = await startTestGateway(`${lines.join('\n')}\n`)
  t.after(() => gateway.shutdown(1000))
  return gateway
}

async function fakeUpstream(t: TestContext, ...behaviours: Behaviour[]): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(...behaviours)
  t.after(() => upstream.close())
  return upstream
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const streamRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }], stream: true as const }
const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }] }

function postChat(gateway: TestGateway, body: unknown, signal: AbortSignal): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  })
}

function chunkData(delta: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-abort', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] })}\n\n`
}

/** Answers 200 with the given SSE events, tells the test they were sent, then keeps the stream open. */
function streamThenWait(events: readonly string[], sent: () => void): Behaviour {
  return (_req: ReceivedRequest, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(events.join(''), () => sent())
  }
}

/** Never answers; tells the test the request arrived. */
function silent(arrived: () => void): Behaviour {
  return () => arrived()
}

function summary(attempts: readonly AttemptRecord[]): Array<[string, string, string | undefined]> {
  return attempts.map((a) => [a.upstream, a.outcome, a.errorCode])
}

test('a client that disconnects while waiting for headers aborts the upstream request at once; no other upstream is tried', { timeout: 30_000 }, async (t) => {
  const arrived = deferred()
  const first = await fakeUpstream(t, silent(arrived.resolve))
  const second = await fakeUpstream(t, json(200, completion('must not be asked')))
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])
  const client = new AbortController()

  const pending = postChat(gateway, chatRequest, client.signal)
  await arrived.promise
  client.abort()
  await assert.rejects(pending, { name: 'AbortError' })

  await first.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'client_closed')
  assert.deepEqual(summary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
  assert.equal(second.requests.length, 0)
})

test('a client that disconnects mid-stream aborts the upstream request at once and the outcome records client_closed', { timeout: 30_000 }, async (t) => {
  const first = await fakeUpstream(t, streamThenWait([chunkData({ role: 'assistant', content: '' }), chunkData({ content: 'partial' })], () => undefined))
  const second = await fakeUpstream(t, json(200, completion('must not be asked')))
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])

  const stream = await new OpenAI({ baseURL: gateway.baseURL, apiKey: clientKey, maxRetries: 0 }).chat.completions.create(streamRequest)
  let content = ''
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta.content ?? ''
    if (content === 'partial') stream.controller.abort()
  }

  assert.equal(content, 'partial')
  await first.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'client_closed')
  assert.deepEqual(summary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
  assert.equal(second.requests.length, 0)
})

test('a client that leaves while a stream is still held before its commit point is not failed over', { timeout: 30_000 }, async (t) => {
  const roleSent = deferred()
  const first = await fakeUpstream(t, streamThenWait([chunkData({ role: 'assistant', content: '' })], roleSent.resolve))
  const second = await fakeUpstream(t, json(200, completion('must not be asked')))
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])
  const client = new AbortController()

  const pending = postChat(gateway, streamRequest, client.signal)
  await roleSent.promise
  client.abort()
  await assert.rejects(pending, { name: 'AbortError' })

  await first.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'client_closed')
  assert.deepEqual(summary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
  assert.equal(second.requests.length, 0)
})

test('a client that leaves during a failover stops it: the upstream being tried is aborted and later ones are never asked', { timeout: 30_000 }, async (t) => {
  const arrived = deferred()
  const first = await fakeUpstream(t, openaiError(503, 'first overloaded'))
  const second = await fakeUpstream(t, silent(arrived.resolve))
  const third = await fakeUpstream(t, json(200, completion('must not be asked')))
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
    { name: 'third', endpoint: third.endpoint },
  ])
  const client = new AbortController()

  const pending = postChat(gateway, streamRequest, client.signal)
  await arrived.promise
  client.abort()
  await assert.rejects(pending, { name: 'AbortError' })

  await second.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'client_closed')
  assert.deepEqual(summary(outcome.attempts), [
    ['first', 'failed', 'upstream_status'],
    ['second', 'client_closed', 'client_closed'],
  ])
  assert.equal(third.requests.length, 0)
})

test('a client that leaves while the gateway is still connecting to the upstream ends the attempt at once', { timeout: 30_000 }, async (t) => {
  if (connectingTo(1) === undefined) {
    t.skip('skipped: needs /proc/net/tcp (Linux) to see the gateway connecting')
    return
  }
  const unaccepting = await startUnacceptingEndpoint(t)
  const second = await fakeUpstream(t, json(200, completion('must not be asked')))
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: unaccepting.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])
  const client = new AbortController()

  const pending = postChat(gateway, chatRequest, client.signal)
  await waitFor(() => connectingTo(unaccepting.port) === true, 'the gateway to start connecting to the upstream')
  client.abort()
  await assert.rejects(pending, { name: 'AbortError' })

  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'client_closed')
  assert.deepEqual(summary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
  assert.equal(second.requests.length, 0)
})
