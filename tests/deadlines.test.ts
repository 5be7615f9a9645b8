// Deadlines through the real gateway: stream_timeout for the first byte of a stream, idle_timeout for every gap
// after it, timeout for plain answers and for the last candidate, per-upstream overrides, total_timeout.
// The gateway runs on a manual clock the test moves once the upstream has reached the point under test, so no
// outcome depends on how fast this machine is; the last tests run on real timers, to show the wiring.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { ManualClock } from '../src/time/manual-clock.js'
import {
  chunkFrom,
  completion,
  eventText,
  hang,
  heldUntil,
  json,
  scriptedStream,
  type Behaviour,
  type FakeUpstream,
  type StreamStep,
} from './helpers/fake-upstream.js'
import {
  attemptSummary,
  chatRequest,
  deferred,
  fakeUpstreamFor,
  finalErrorEvent,
  gatewayWith,
  openaiClientFor,
  postChat,
  streamedText,
  streamRequest,
  type GatewaySetup,
} from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'
import { connectingTo, startUnacceptingEndpoint } from './helpers/unaccepting-endpoint.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key-deadlines'
/** A deadline that is not honoured must fail the test, not hang it. */
const within = { timeout: 20_000 }

const role: StreamStep = { data: chunkFrom('chatcmpl-deadlines', { role: 'assistant', content: '' }) }
const content = (text: string): StreamStep => ({ data: chunkFrom('chatcmpl-deadlines', { content: text }) })
const done: StreamStep[] = [{ data: chunkFrom('chatcmpl-deadlines', {}, 'stop') }, { data: '[DONE]' }, 'end']

/** The gateway for a setup, on a manual clock. */
async function gatewayOnClock(
  t: TestContext,
  setup: Omit<GatewaySetup, 'clientKey'>,
): Promise<{ gateway: TestGateway; clock: ManualClock }> {
  const clock = new ManualClock()
  return { gateway: await gatewayWith(t, { clientKey, ...setup }, { clock }), clock }
}

/** How long each attempt took on the gateway's clock: on a manual clock, exactly when a deadline ended it. */
async function durations(gateway: TestGateway): Promise<number[]> {
  return (await gateway.outcomeAt(0)).attempts.map((a) => a.durationMs)
}

/** Content of a whole stream read with the official client. */
async function streamedContent(gateway: TestGateway): Promise<string> {
  return streamedText(await openaiClientFor(gateway, clientKey).chat.completions.create(streamRequest))
}

/** Resolves once `count` requests reached the upstream: its attempt, and that attempt's deadline, have started. */
function asked(upstream: FakeUpstream, count = 1): Promise<void> {
  return waitFor(() => upstream.requests.length >= count, `request ${count} at ${upstream.endpoint}`)
}

type ReadStep = readonly [string | ((text: string) => boolean), () => void]

/** Reads a streamed answer to its end; once the text so far includes a step's needle (or passes its check), runs its action, in order. */
async function readStream(response: Response, steps: readonly ReadStep[]): Promise<string> {
  assert.ok(response.body !== null)
  const decoder = new TextDecoder()
  const reached = ([needle]: ReadStep, text: string): boolean => (typeof needle === 'string' ? text.includes(needle) : needle(text))
  let text = ''
  let next = 0
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(piece, { stream: true })
    for (let step = steps[next]; step !== undefined && reached(step, text); step = steps[next]) {
      next++
      step[1]()
    }
  }
  assert.equal(next, steps.length, `the stream stopped before step ${next}: ${text}`)
  return text
}

const backup = (t: TestContext): Promise<FakeUpstream> =>
  fakeUpstreamFor(t, json(200, completion('from backup')), scriptedStream([role, content('from backup'), ...done]))

// ---- stream_timeout ----

test('stream_timeout (fractional seconds) moves a silent stream on to the next upstream', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.3', 'timeout: 60'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  await asked(first)
  clock.advance(300)

  assert.equal(await answer, 'from second')
  await first.requests[0]?.aborted
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
  assert.deepEqual(await durations(gateway), [300, 0])
})

test('a role chunk meets stream_timeout: content after longer than stream_timeout but within idle_timeout succeeds', within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, scriptedStream([role, { waitFor: release.promise }, content('slow thinker'), ...done]))
  const second = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.5', 'idle_timeout: 7', 'timeout: 60'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  // The role chunk is held back from the client (nothing visible yet); its arrival shows as the idle deadline.
  await waitFor(() => clock.delays.includes(7000), 'the idle deadline the role chunk starts')
  clock.advance(5000)
  release.resolve()

  assert.equal(await answer, 'slow thinker')
  assert.equal(second.requests.length, 0)
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [['first', 'ok', undefined]])
})

test('the last candidate gets timeout, not stream_timeout', within, async (t) => {
  const release = deferred()
  const only = await fakeUpstreamFor(t, heldUntil(release.promise, scriptedStream([role, content('late but fine'), ...done])))
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.2', 'timeout: 5'],
    upstreams: [{ name: 'only', endpoint: only.endpoint }],
  })

  const answer = streamedContent(gateway)
  await asked(only)
  clock.advance(4999)
  release.resolve()

  assert.equal(await answer, 'late but fine')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [['only', 'ok', undefined]])
  assert.deepEqual(await durations(gateway), [4999])
})

test("the last candidate's timeout still ends it", within, async (t) => {
  const only = await fakeUpstreamFor(t, hang())
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.2', 'timeout: 5'],
    upstreams: [{ name: 'only', endpoint: only.endpoint }],
  })

  const response = postChat(gateway, clientKey, streamRequest)
  await asked(only)
  clock.advance(5000)

  const answer = await response
  assert.equal(answer.status, 504)
  assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'upstream_timeout')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [['only', 'failed', 'upstream_timeout']])
  assert.deepEqual(await durations(gateway), [5000])
})

test('the last of several candidates gets timeout too, after the others used stream_timeout', within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, hang())
  const last = await fakeUpstreamFor(t, heldUntil(release.promise, scriptedStream([role, content('last but fine'), ...done])))
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.2', 'timeout: 5'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'last', endpoint: last.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  await asked(first)
  clock.advance(200)
  await asked(last)
  clock.advance(4999)
  release.resolve()

  assert.equal(await answer, 'last but fine')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['last', 'ok', undefined],
  ])
  assert.deepEqual(await durations(gateway), [200, 4999])
})

test('stream_timeout also bounds an upstream that never accepts the connection', within, async (t) => {
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const unaccepting = await startUnacceptingEndpoint(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.3', 'timeout: 60'],
    upstreams: [
      { name: 'first', endpoint: unaccepting.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  await waitFor(() => connectingTo(unaccepting.port) ?? clock.delays.includes(300), 'the connection attempt')
  clock.advance(300)

  assert.equal(await answer, 'from second')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
  assert.deepEqual(await durations(gateway), [300, 0])
})

// ---- idle_timeout ----

test('idle_timeout bounds a long reasoning pause after the commit point: an error event, no [DONE]', within, async (t) => {
  const first = await fakeUpstreamFor(
    t,
    scriptedStream([role, { data: chunkFrom('chatcmpl-deadlines', { reasoning_content: 'Considering' }) }, 'hang']),
  )
  const second = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 10', 'idle_timeout: 0.3'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const response = await postChat(gateway, clientKey, streamRequest)
  const text = await readStream(response, [['Considering', () => clock.advance(300)]])

  assert.equal(response.status, 200)
  assert.ok(!text.includes('[DONE]'), text)
  assert.equal(finalErrorEvent(text).error.code, 'upstream_idle_timeout')
  assert.equal(second.requests.length, 0)
  await first.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'upstream_idle_timeout')
  assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'failed', 'upstream_idle_timeout']])
  assert.deepEqual(await durations(gateway), [300])
})

test('idle_timeout bounds the gaps between content chunks as well, each counted from the last chunk', within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, scriptedStream([role, content('one'), { waitFor: release.promise }, content('two'), 'hang']))
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['idle_timeout: 0.3'],
    upstreams: [{ name: 'first', endpoint: first.endpoint }],
  })

  const response = await postChat(gateway, clientKey, streamRequest)
  const text = await readStream(response, [
    // A gap just short of idle_timeout is fine; the next one is counted afresh from "two".
    [
      '"one"',
      () => {
        clock.advance(299)
        release.resolve()
      },
    ],
    ['"two"', () => clock.advance(300)],
  ])

  assert.equal(finalErrorEvent(text).error.code, 'upstream_idle_timeout')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [['first', 'failed', 'upstream_idle_timeout']])
  assert.deepEqual(await durations(gateway), [599], 'the second gap is counted from the chunk that ended the first')
})

// ---- timeout (non-stream) ----

test('timeout bounds the first byte of a non-stream answer and moves on', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['timeout: 0.3', 'stream_timeout: 60'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)
  await asked(first)
  clock.advance(300)

  assert.equal((await answer).choices[0]?.message.content, 'from backup')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
  assert.deepEqual(await durations(gateway), [300, 0])
})

test('a non-stream request is held to timeout, not stream_timeout', within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, heldUntil(release.promise, json(200, completion('from first'))))
  const second = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['timeout: 5', 'stream_timeout: 0.2'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)
  await asked(first)
  clock.advance(4999)
  release.resolve()

  assert.equal((await answer).choices[0]?.message.content, 'from first')
  assert.equal(second.requests.length, 0)
})

// ---- Per-upstream overrides ----

test("an upstream's own stream_timeout overrides the global one", within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, heldUntil(release.promise, scriptedStream([role, content('patient'), ...done])))
  const second = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 0.2', 'timeout: 60'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint, extra: ['stream_timeout: 5'] },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  await asked(first)
  clock.advance(4999)
  release.resolve()

  assert.equal(await answer, 'patient')
  assert.equal(second.requests.length, 0)
})

test("an upstream's own short stream_timeout applies to it alone", within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, hang())
  const second = await fakeUpstreamFor(
    t,
    heldUntil(release.promise, scriptedStream([role, content('second is slow but allowed'), ...done])),
  )
  const third = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['stream_timeout: 20'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint, extra: ['stream_timeout: 0.2'] },
      { name: 'second', endpoint: second.endpoint },
      { name: 'third', endpoint: third.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  await asked(first)
  clock.advance(200)
  await asked(second)
  clock.advance(19_999)
  release.resolve()

  assert.equal(await answer, 'second is slow but allowed')
  assert.equal(third.requests.length, 0)
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
  assert.deepEqual(await durations(gateway), [200, 19_999])
})

test("an upstream's own timeout overrides the global one", within, async (t) => {
  const release = deferred()
  const first = await fakeUpstreamFor(t, heldUntil(release.promise, json(200, completion('from first'))))
  const second = await backup(t)
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['timeout: 0.2'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint, extra: ['timeout: 5'] },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)
  await asked(first)
  clock.advance(4999)
  release.resolve()

  assert.equal((await answer).choices[0]?.message.content, 'from first')
  assert.equal(second.requests.length, 0)
})

test("an upstream's own idle_timeout overrides the global one, both ways", within, async (t) => {
  const release = deferred()
  const lenient = await fakeUpstreamFor(t, scriptedStream([role, content('a'), { waitFor: release.promise }, content('b'), ...done]))
  const strict = await fakeUpstreamFor(t, scriptedStream([role, content('a'), 'hang']))
  const onLenient = await gatewayOnClock(t, {
    topLevel: ['idle_timeout: 0.2'],
    upstreams: [{ name: 'lenient', endpoint: lenient.endpoint, extra: ['idle_timeout: 10'] }],
  })
  const onStrict = await gatewayOnClock(t, {
    topLevel: ['idle_timeout: 600'],
    upstreams: [{ name: 'strict', endpoint: strict.endpoint, extra: ['idle_timeout: 0.3'] }],
  })

  const lenientText = await readStream(await postChat(onLenient.gateway, clientKey, streamRequest), [
    [
      '"a"',
      () => {
        onLenient.clock.advance(9999)
        release.resolve()
      },
    ],
  ])
  assert.deepEqual(attemptSummary((await onLenient.gateway.outcomeAt(0)).attempts), [['lenient', 'ok', undefined]])
  assert.ok(lenientText.includes('"b"') && lenientText.includes('[DONE]'), lenientText)

  const strictText = await readStream(await postChat(onStrict.gateway, clientKey, streamRequest), [
    ['"a"', () => onStrict.clock.advance(300)],
  ])
  assert.equal(finalErrorEvent(strictText).error.code, 'upstream_idle_timeout')
  assert.deepEqual(await durations(onStrict.gateway), [300])
})

// ---- total_timeout ----

/** Sends a chunk every few milliseconds until the gateway hangs up: never idle, never done. */
function endless(delta: Record<string, unknown>): Behaviour {
  return async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunkFrom('chatcmpl-endless', { role: 'assistant', content: '' })))
    while (!req.wasAborted() && !res.destroyed) {
      res.write(eventText(chunkFrom('chatcmpl-endless', delta)))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

test('total_timeout ends a stream that is never idle, after the commit point with an error event', within, async (t) => {
  const first = await fakeUpstreamFor(t, endless({ content: 'more ' }))
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['idle_timeout: 10', 'stream_timeout: 10', 'total_timeout: 0.5'],
    upstreams: [{ name: 'first', endpoint: first.endpoint }],
  })

  const response = await postChat(gateway, clientKey, streamRequest)
  // Each chunk stamps the idle deadline afresh; the total one is counted from the start all the same.
  const text = await readStream(response, [
    ['more ', () => clock.advance(250)],
    [(sofar) => sofar.split('more ').length > 3, () => clock.advance(250)],
  ])

  assert.ok(!text.includes('[DONE]'))
  assert.equal(finalErrorEvent(text).error.code, 'upstream_timeout')
  await first.requests[0]?.aborted
  assert.deepEqual(await durations(gateway), [500], 'counted from the start, not from the last chunk')
})

test('total_timeout before the commit point fails over: an upstream that only ever sends role chunks', within, async (t) => {
  const first = await fakeUpstreamFor(t, endless({ role: 'assistant' }))
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const { gateway, clock } = await gatewayOnClock(t, {
    topLevel: ['idle_timeout: 10', 'stream_timeout: 10'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint, extra: ['total_timeout: 0.4'] },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const answer = streamedContent(gateway)
  await asked(first)
  clock.advance(400)

  assert.equal(await answer, 'from second')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
  assert.deepEqual(await durations(gateway), [400, 0])
})

// ---- On real timers ----
// The system clock drives the same deadlines. Each upstream here never answers, so a slow machine only
// makes the test slower, never wrong.

test('on real timers, stream_timeout moves a silent stream on', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['stream_timeout: 0.3', 'timeout: 60'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  assert.equal(await streamedContent(gateway), 'from second')
  assert.deepEqual(attemptSummary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
})

test('on real timers, idle_timeout ends a stalled stream with an error event', within, async (t) => {
  const first = await fakeUpstreamFor(t, scriptedStream([role, content('one'), 'hang']))
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['idle_timeout: 0.3'],
    upstreams: [{ name: 'first', endpoint: first.endpoint }],
  })

  const text = await (await postChat(gateway, clientKey, streamRequest)).text()

  assert.ok(text.includes('"one"'), text)
  assert.equal(finalErrorEvent(text).error.code, 'upstream_idle_timeout')
})
