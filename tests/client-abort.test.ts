// A client that goes away: the upstream request is aborted at once, no other upstream is tried,
// and the outcome says client_closed.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { chunkFrom, completion, json, openaiError, scriptedStream, type Behaviour, type FakeUpstream } from './helpers/fake-upstream.js'
import {
  attemptSummary,
  chatRequest,
  deferred,
  fakeUpstreamFor,
  gatewayWith,
  openaiClientFor,
  postChat,
  streamRequest,
} from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'
import { connectingTo, startUnacceptingEndpoint } from './helpers/unaccepting-endpoint.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key-abort'
/** Deadlines far beyond the test's own timeout: only the client leaving can end these attempts in time. */
const longDeadlines = ['timeout: 600', 'stream_timeout: 600', 'idle_timeout: 600']

/** The upstreams in the order given, each named as its key: `{ first, second }`. */
function gatewayOver(t: TestContext, upstreams: Readonly<Record<string, { readonly endpoint: string }>>): Promise<TestGateway> {
  return gatewayWith(t, {
    clientKey,
    topLevel: longDeadlines,
    upstreams: Object.entries(upstreams).map(([name, { endpoint }]) => ({ name, endpoint })),
  })
}

/** An upstream that a client leaving must keep from being tried. */
function mustNotBeAsked(t: TestContext): Promise<FakeUpstream> {
  return fakeUpstreamFor(t, json(200, completion('must not be asked')))
}

/** Sends the request, goes away once `ready` resolves, and sees its own request aborted. */
async function leaveWhen(gateway: TestGateway, body: unknown, ready: () => Promise<void>): Promise<void> {
  const client = new AbortController()
  const pending = postChat(gateway, clientKey, body, { signal: client.signal })
  await ready()
  client.abort()
  await assert.rejects(pending, { name: 'AbortError' })
}

/** Never answers; tells the test the request arrived. */
function silent(arrived: () => void): Behaviour {
  return () => arrived()
}

test(
  'a client that disconnects while waiting for headers aborts the upstream request at once; no other upstream is tried',
  { timeout: 30_000 },
  async (t) => {
    const arrived = deferred()
    const first = await fakeUpstreamFor(t, silent(arrived.resolve))
    const second = await mustNotBeAsked(t)
    const gateway = await gatewayOver(t, { first, second })

    await leaveWhen(gateway, chatRequest, () => arrived.promise)

    await first.requests[0]?.aborted
    const outcome = await gateway.outcomeAt(0)
    assert.equal(outcome.errorCode, 'client_closed')
    assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
    assert.equal(second.requests.length, 0)
  },
)

test(
  'a client that disconnects mid-stream aborts the upstream request at once and the outcome records client_closed',
  { timeout: 30_000 },
  async (t) => {
    const first = await fakeUpstreamFor(
      t,
      scriptedStream([
        { data: chunkFrom('chatcmpl-abort', { role: 'assistant', content: '' }) },
        { data: chunkFrom('chatcmpl-abort', { content: 'partial' }) },
        'hang',
      ]),
    )
    const second = await mustNotBeAsked(t)
    const gateway = await gatewayOver(t, { first, second })

    const stream = await openaiClientFor(gateway, clientKey).chat.completions.create(streamRequest)
    let content = ''
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? ''
      if (content === 'partial') stream.controller.abort()
    }

    assert.equal(content, 'partial')
    await first.requests[0]?.aborted
    const outcome = await gateway.outcomeAt(0)
    assert.equal(outcome.errorCode, 'client_closed')
    assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
    assert.equal(second.requests.length, 0)
  },
)

test('a client that leaves while a stream is still held before its commit point is not failed over', { timeout: 30_000 }, async (t) => {
  const roleSent = deferred()
  const first = await fakeUpstreamFor(
    t,
    scriptedStream([{ data: chunkFrom('chatcmpl-abort', { role: 'assistant', content: '' }) }, { reached: roleSent.resolve }, 'hang']),
  )
  const second = await mustNotBeAsked(t)
  const gateway = await gatewayOver(t, { first, second })

  await leaveWhen(gateway, streamRequest, () => roleSent.promise)

  await first.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'client_closed')
  assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
  assert.equal(second.requests.length, 0)
})

test(
  'a client that leaves during a failover stops it: the upstream being tried is aborted and later ones are never asked',
  { timeout: 30_000 },
  async (t) => {
    const arrived = deferred()
    const first = await fakeUpstreamFor(t, openaiError(503, 'first overloaded'))
    const second = await fakeUpstreamFor(t, silent(arrived.resolve))
    const third = await mustNotBeAsked(t)
    const gateway = await gatewayOver(t, { first, second, third })

    await leaveWhen(gateway, streamRequest, () => arrived.promise)

    await second.requests[0]?.aborted
    const outcome = await gateway.outcomeAt(0)
    assert.equal(outcome.errorCode, 'client_closed')
    assert.deepEqual(attemptSummary(outcome.attempts), [
      ['first', 'failed', 'upstream_status'],
      ['second', 'client_closed', 'client_closed'],
    ])
    assert.equal(third.requests.length, 0)
  },
)

test(
  'a client that leaves while the gateway is still connecting to the upstream ends the attempt at once',
  { timeout: 30_000 },
  async (t) => {
    if (connectingTo(1) === undefined) {
      t.skip('skipped: needs /proc/net/tcp (Linux) to see the gateway connecting')
      return
    }
    const unaccepting = await startUnacceptingEndpoint(t)
    const second = await mustNotBeAsked(t)
    const gateway = await gatewayOver(t, { first: unaccepting, second })

    await leaveWhen(gateway, chatRequest, () =>
      waitFor(() => connectingTo(unaccepting.port) === true, 'the gateway to start connecting to the upstream'),
    )

    const outcome = await gateway.outcomeAt(0)
    assert.equal(outcome.errorCode, 'client_closed')
    assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'client_closed', 'client_closed']])
    assert.equal(second.requests.length, 0)
  },
)
