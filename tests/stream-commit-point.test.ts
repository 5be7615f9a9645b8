// The commit point through the real gateway: an upstream that dies before sending anything the client must
// see fails over invisibly (headers included); once something visible went out, a failure ends the
// stream with an error event and never with [DONE]. Binary answers commit at their first body byte (a JSON answer
// to a non-stream request commits at its end: held-json-answer.test.ts).
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import OpenAI from 'openai'
import {
  chunkFrom,
  completion,
  eventText,
  json,
  scriptedStream,
  type Behaviour,
  type ReceivedRequest,
  type StreamStep,
} from './helpers/fake-upstream.js'
import {
  attemptSummary,
  chatRequest,
  dataEvents,
  deferred,
  fakeUpstreamFor,
  gatewayWith,
  openaiClientFor,
  postChat,
  streamedText,
  streamRequest,
} from './helpers/scripted-gateway.js'
import { startTestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-commit'
/** A deadline that is not honoured must fail the test, not hang it. */
const within = { timeout: 20_000 }

const liveStream = (id = 'chatcmpl-live'): Behaviour =>
  scriptedStream(
    [
      { data: chunkFrom(id, { role: 'assistant', content: '' }) },
      { data: chunkFrom(id, { content: 'from ' }) },
      { data: chunkFrom(id, { content: 'second' }) },
      { data: chunkFrom(id, {}, 'stop') },
      { data: '[DONE]' },
      'end',
    ],
    { 'x-answered-by': 'second' },
  )

const roleChunks = [
  { data: chunkFrom('chatcmpl-dead', { role: 'assistant', content: '' }) },
  { data: chunkFrom('chatcmpl-dead', { role: 'assistant' }) },
  { data: chunkFrom('chatcmpl-dead', { content: '' }) },
] as const

// ---- Before the commit point: fail over, and the client never knows ----

const deaths: ReadonlyArray<{ name: string; then: StreamStep; extra: readonly string[]; errorCode: string }> = [
  { name: 'resets', then: 'reset', extra: [], errorCode: 'upstream_reset' },
  { name: 'stalls past idle_timeout', then: 'hang', extra: ['idle_timeout: 0.3'], errorCode: 'upstream_idle_timeout' },
  { name: 'ends without [DONE]', then: 'end', extra: [], errorCode: 'upstream_truncated' },
]

for (const death of deaths) {
  test(
    `an upstream that answers 200 with role-only chunks and then ${death.name} fails over; the client sees only the next upstream's stream`,
    within,
    async (t) => {
      const first = await fakeUpstreamFor(t, scriptedStream([...roleChunks, death.then], { 'x-dead-upstream': 'first' }))
      const second = await fakeUpstreamFor(t, liveStream())
      const gateway = await gatewayWith(t, {
        clientKey,
        upstreams: [
          { name: 'first', endpoint: first.endpoint, extra: death.extra },
          { name: 'second', endpoint: second.endpoint },
        ],
      })

      const { data: stream, response } = await openaiClientFor(gateway, clientKey).chat.completions.create(streamRequest).withResponse()
      const chunks = []
      for await (const chunk of stream) chunks.push(chunk)

      assert.equal(response.status, 200)
      assert.equal(response.headers.get('x-dead-upstream'), null, 'a header of the failed upstream reached the client')
      assert.equal(response.headers.get('x-answered-by'), 'second')
      assert.deepEqual(new Set(chunks.map((c) => c.id)), new Set(['chatcmpl-live']), 'a chunk of the failed upstream reached the client')
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'from second')
      assert.equal(chunks.filter((c) => c.choices[0]?.delta.role === 'assistant').length, 1)
      const outcome = await gateway.outcomeAt(0)
      assert.deepEqual(attemptSummary(outcome.attempts), [
        ['first', 'failed', death.errorCode],
        ['second', 'ok', undefined],
      ])
      assert.equal(outcome.upstream, 'second')
    },
  )
}

test("the raw bytes after a failover are exactly the next upstream's stream", within, async (t) => {
  const first = await fakeUpstreamFor(t, scriptedStream([...roleChunks, 'reset'], { 'x-dead-upstream': 'first' }))
  const second = await fakeUpstreamFor(t, liveStream())
  const gateway = await gatewayWith(t, {
    clientKey,
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const text = await (await postChat(gateway, clientKey, streamRequest)).text()

  const expected = [
    chunkFrom('chatcmpl-live', { role: 'assistant', content: '' }),
    chunkFrom('chatcmpl-live', { content: 'from ' }),
    chunkFrom('chatcmpl-live', { content: 'second' }),
    chunkFrom('chatcmpl-live', {}, 'stop'),
    '[DONE]',
  ]
  assert.equal(text, expected.map((data) => eventText(data)).join(''))
})

test('headers and then death before the first body byte fails over, for streams and plain answers', within, async (t) => {
  const headersThen =
    (then: 'hang' | 'reset', contentType: string): Behaviour =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': contentType, 'x-dead-upstream': 'first' })
      res.flushHeaders()
      if (then === 'reset') res.socket?.destroy()
    }
  const cases = [
    { stream: false, then: 'hang', extra: ['timeout: 0.3'], errorCode: 'upstream_timeout' },
    { stream: false, then: 'reset', extra: [], errorCode: 'upstream_reset' },
    { stream: true, then: 'hang', extra: ['stream_timeout: 0.3'], errorCode: 'upstream_timeout' },
    { stream: true, then: 'reset', extra: [], errorCode: 'upstream_reset' },
  ] as const
  for (const [index, c] of cases.entries()) {
    const first = await fakeUpstreamFor(t, headersThen(c.then, c.stream ? 'text/event-stream' : 'application/json'))
    const second = await fakeUpstreamFor(t, c.stream ? liveStream() : json(200, completion('from second'), { 'x-answered-by': 'second' }))
    const gateway = await gatewayWith(t, {
      clientKey,
      upstreams: [
        { name: 'first', endpoint: first.endpoint, extra: c.extra },
        { name: 'second', endpoint: second.endpoint },
      ],
    })
    const client = openaiClientFor(gateway, clientKey)

    let headers: Headers
    if (c.stream) {
      const { data, response } = await client.chat.completions.create(streamRequest).withResponse()
      const content = await streamedText(data)
      assert.equal(content, 'from second', `case ${index}`)
      headers = response.headers
    } else {
      const { data, response } = await client.chat.completions.create(chatRequest).withResponse()
      assert.equal(data.choices[0]?.message.content, 'from second', `case ${index}`)
      headers = response.headers
    }
    assert.equal(headers.get('x-dead-upstream'), null, `case ${index}`)
    assert.equal(headers.get('x-answered-by'), 'second', `case ${index}`)
    assert.deepEqual(
      attemptSummary((await gateway.outcomeAt(0)).attempts),
      [
        ['first', 'failed', c.errorCode],
        ['second', 'ok', undefined],
      ],
      `case ${index}`,
    )
  }
})

// ---- What commits ----

const committing: ReadonlyArray<{ name: string; data: unknown; seen: (text: string) => boolean }> = [
  { name: 'content', data: chunkFrom('chatcmpl-dead', { content: 'Hel' }), seen: (text) => text.includes('"content":"Hel"') },
  {
    name: 'a tool call delta',
    data: chunkFrom('chatcmpl-dead', {
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
    }),
    seen: (text) => text.includes('get_weather'),
  },
  {
    name: 'reasoning_content',
    data: chunkFrom('chatcmpl-dead', { reasoning_content: 'Let me think' }),
    seen: (text) => text.includes('Let me think'),
  },
  { name: 'a refusal', data: chunkFrom('chatcmpl-dead', { refusal: 'I cannot help' }), seen: (text) => text.includes('I cannot help') },
]

for (const commit of committing) {
  test(`${commit.name} commits: a later failure ends the stream with an error event, no [DONE], and no failover`, within, async (t) => {
    const first = await fakeUpstreamFor(t, scriptedStream([roleChunks[0], { data: commit.data }, 'reset'], { 'x-first': 'yes' }))
    const second = await fakeUpstreamFor(t, liveStream())
    const gateway = await gatewayWith(t, {
      clientKey,
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ],
    })

    const response = await postChat(gateway, clientKey, streamRequest)
    const text = await response.text()

    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-first'), 'yes')
    assert.ok(commit.seen(text), text)
    assert.ok(!text.includes('[DONE]'), text)
    assert.ok(text.endsWith('\n\n'), 'the error event is a whole event')
    const events = dataEvents(text)
    const last = JSON.parse(events[events.length - 1] ?? 'null') as {
      error: { message: string; type: string; param: unknown; code: string }
    }
    assert.deepEqual(Object.keys(last.error).sort(), ['code', 'message', 'param', 'type'])
    assert.equal(last.error.code, 'upstream_reset')
    assert.equal(events.length, 3, 'role chunk, the committing chunk, the error event')
    assert.equal(second.requests.length, 0)
    const outcome = await gateway.outcomeAt(0)
    assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'failed', 'upstream_reset']])
    assert.equal(outcome.errorCode, 'upstream_reset')
  })
}

test('the official client receives the content and then the error, never a clean end', within, async (t) => {
  const first = await fakeUpstreamFor(
    t,
    scriptedStream([
      roleChunks[0],
      { data: chunkFrom('chatcmpl-dead', { content: 'Hello' }) },
      { data: chunkFrom('chatcmpl-dead', { content: ' wor' }) },
      'reset',
    ]),
  )
  const second = await fakeUpstreamFor(t, liveStream())
  const gateway = await gatewayWith(t, {
    clientKey,
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })

  const stream = await openaiClientFor(gateway, clientKey).chat.completions.create(streamRequest)
  let content = ''
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? ''
    })(),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError)
      assert.equal(error.code, 'upstream_reset')
      return true
    },
  )
  assert.equal(content, 'Hello wor')
  assert.equal(second.requests.length, 0)
})

test('an error event from the upstream commits: the client gets it and no other upstream is tried', within, async (t) => {
  const upstreamError = '{"error":{"message":"The model is overloaded","type":"server_error","param":null,"code":"overloaded"}}'
  // As a data payload with OpenAI's error object, and as an SSE `error` event whose payload has none.
  const errorEventData = '{"type":"error","message":"The model is overloaded"}'
  for (const errorStep of [{ data: upstreamError }, { raw: `event: error\ndata: ${errorEventData}\n\n` }]) {
    const first = await fakeUpstreamFor(t, scriptedStream([roleChunks[0], errorStep, 'end']))
    const second = await fakeUpstreamFor(t, liveStream())
    const gateway = await gatewayWith(t, {
      clientKey,
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ],
    })

    const text = await (await postChat(gateway, clientKey, streamRequest)).text()

    assert.ok(text.includes('The model is overloaded'), text)
    assert.ok(!text.includes('from second'), text)
    assert.equal(second.requests.length, 0)
  }
})

test('a failure after the commit point cuts the stream at an event boundary, never inside an event', within, async (t) => {
  const first = await fakeUpstreamFor(
    t,
    scriptedStream([
      roleChunks[0],
      { data: chunkFrom('chatcmpl-dead', { content: 'whole' }) },
      { raw: `data: ${JSON.stringify(chunkFrom('chatcmpl-dead', { content: 'half' })).slice(0, 40)}` },
      'reset',
    ]),
  )
  const gateway = await gatewayWith(t, { clientKey, upstreams: [{ name: 'first', endpoint: first.endpoint }] })

  const text = await (await postChat(gateway, clientKey, streamRequest)).text()

  const events = dataEvents(text)
  assert.equal(events.length, 3, text)
  for (const event of events) JSON.parse(event)
  assert.match(events[2] ?? '', /"code":"upstream_reset"/)
})

test('the error event after the commit point names no upstream host: the details are for the record', within, async (t) => {
  const cases = [
    { then: 'reset', extra: '', code: 'upstream_reset' },
    { then: 'hang', extra: '    idle_timeout: 0.3\n', code: 'upstream_idle_timeout' },
  ] as const
  for (const c of cases) {
    const first = await fakeUpstreamFor(
      t,
      scriptedStream([roleChunks[0], { data: chunkFrom('chatcmpl-dead', { content: 'Hel' }) }, c.then]),
    )
    // No name: the upstream is known by its endpoint's host, port and path.
    const gateway = await startTestGateway(
      `authorization: ${clientKey}\nupstreams:\n  - endpoint: ${first.endpoint}\n    sk: sk-unnamed-key\n${c.extra}`,
    )
    t.after(() => gateway.shutdown(1000))

    const text = await (await postChat(gateway, clientKey, streamRequest)).text()

    const events = dataEvents(text)
    const last = JSON.parse(events[events.length - 1] ?? 'null') as { error: { message: string; code: string } }
    assert.equal(last.error.code, c.code)
    assert.ok(!last.error.message.includes('127.0.0.1') && !last.error.message.includes(String(first.port)), last.error.message)
    assert.ok(!last.error.message.includes('sk-unnamed-key'), last.error.message)
    const outcome = await gateway.outcomeAt(0)
    assert.equal(outcome.errorCode, c.code)
  }
})

// ---- Non-stream answers ----

test(
  'a binary answer commits at its first body byte: a later failure is not retried and the client sees a broken body',
  within,
  async (t) => {
    const body = Buffer.alloc(2048, 7)
    const first = await fakeUpstreamFor(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': body.length })
      res.write(body.subarray(0, 20), () => res.socket?.destroy())
    })
    const second = await fakeUpstreamFor(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': body.length })
      res.end(body)
    })
    const gateway = await gatewayWith(t, {
      clientKey,
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ],
    })

    const response = await fetch(`${gateway.baseURL}/audio/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', input: 'Hello', voice: 'alloy' }),
    })
    assert.equal(response.status, 200)
    await assert.rejects(response.arrayBuffer())

    assert.equal(second.requests.length, 0)
    const outcome = await gateway.outcomeAt(0)
    assert.deepEqual(attemptSummary(outcome.attempts), [['first', 'failed', 'upstream_reset']])
  },
)

// ---- Forwarding ----

test('chunks are forwarded as they arrive: the client has chunk 1 before the upstream sends chunk 2', within, async (t) => {
  // If the gateway held chunk 1 until more arrived, neither side would move: the test times out.
  const release = deferred()
  const first = await fakeUpstreamFor(
    t,
    scriptedStream([
      roleChunks[0],
      { data: chunkFrom('chatcmpl-live', { content: 'one' }) },
      { waitFor: release.promise },
      { data: chunkFrom('chatcmpl-live', { content: 'two' }) },
      { data: '[DONE]' },
      'end',
    ]),
  )
  const gateway = await gatewayWith(t, { clientKey, upstreams: [{ name: 'first', endpoint: first.endpoint }] })

  const stream = await openaiClientFor(gateway, clientKey).chat.completions.create(streamRequest)
  const contents: string[] = []
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content ?? ''
    if (content === '') continue
    contents.push(content)
    if (content === 'one') release.resolve()
  }
  assert.deepEqual(contents, ['one', 'two'])
})

test('[DONE] ends the answer even when the upstream keeps its stream open; its connection is let go after', within, async (t) => {
  const upstream = await fakeUpstreamFor(t, async (_req: ReceivedRequest, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunkFrom('kept-open', { role: 'assistant', content: 'All' })))
    res.write(`${eventText(chunkFrom('kept-open', {}, 'stop'))}data: [DONE]\n\n`)
    // ... and never ends the response.
  })
  const gateway = await gatewayWith(t, {
    clientKey,
    upstreams: [{ name: 'kept-open', endpoint: upstream.endpoint, extra: ['idle_timeout: 600'] }],
  })
  const count = await gateway.nextOutcomeIndex()
  const text = await (await postChat(gateway, clientKey, streamRequest)).text()
  assert.match(text, /"content":"All".*data: \[DONE\]\n\n$/s)
  const outcome = await gateway.outcomeAt(count)
  assert.equal(outcome.status, 200)
  assert.equal(outcome.errorCode, undefined)
  assert.deepEqual(
    outcome.attempts.map((a) => a.outcome),
    ['ok'],
  )
  await upstream.requests[0]?.aborted
})
