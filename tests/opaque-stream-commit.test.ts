// Streams of APIs the gateway has no classifier for (Anthropic Messages, OpenAI Responses) relayed through an
// `openai` upstream: each commits at its first event, so the client reads that event while the upstream is still
// waiting to send the rest. The upstream waits for a signal the test gives only once the client has the first
// event, so a gateway that held the stream would never let the test finish.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import type { ReceivedRequest } from './helpers/fake-upstream.js'
import { deferred, fakeUpstreamFor, gatewayWith } from './helpers/scripted-gateway.js'

const clientKey = 'client-key-opaque'
/** A gateway that held the first event would leave the test waiting: this fails it instead. */
const within = { timeout: 20_000 }

interface GatedStream {
  readonly path: string
  readonly body: Record<string, unknown>
  /** Sent before the gap. */
  readonly first: string
  /** Sent once the client has `first`. */
  readonly rest: readonly string[]
}

const sseEvent = (type: string, payload: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`

const messagesStream: GatedStream = {
  path: '/messages',
  body: { model: 'claude-sonnet-4-5', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Hello' }] },
  first: sseEvent('message_start', {
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 5, output_tokens: 1 },
    },
  }),
  rest: [
    sseEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    sseEvent('ping', {}),
    sseEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello there' } }),
    sseEvent('content_block_stop', { index: 0 }),
    sseEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }),
    sseEvent('message_stop', {}),
  ],
}

const responsesStream: GatedStream = {
  path: '/responses',
  body: { model: 'gpt-4o-mini', input: 'Hello', stream: true },
  first: sseEvent('response.created', {
    sequence_number: 0,
    response: { id: 'resp_1', object: 'response', status: 'in_progress', output: [] },
  }),
  rest: [
    sseEvent('response.in_progress', {
      sequence_number: 1,
      response: { id: 'resp_1', object: 'response', status: 'in_progress', output: [] },
    }),
    sseEvent('response.output_item.added', {
      sequence_number: 2,
      output_index: 0,
      item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] },
    }),
    sseEvent('response.output_text.delta', {
      sequence_number: 3,
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: 'Hello there',
    }),
    sseEvent('response.completed', { sequence_number: 4, response: { id: 'resp_1', object: 'response', status: 'completed' } }),
  ],
}

/** Sends `first`, waits for `gate`, then sends the rest and ends. */
function gated(stream: GatedStream, gate: Promise<void>) {
  return async (req: ReceivedRequest, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.write(stream.first)
    await Promise.race([gate, req.aborted])
    if (req.wasAborted()) return
    for (const event of stream.rest) res.write(event)
    res.end()
  }
}

for (const stream of [messagesStream, responsesStream]) {
  test(
    `a ${stream.path} stream through an openai upstream reaches the client at its first event, before the upstream sends the rest`,
    within,
    async (t) => {
      const gate = deferred()
      const upstream = await fakeUpstreamFor(t, gated(stream, gate.promise))
      const gateway = await gatewayWith(t, { clientKey, upstreams: [{ name: 'only', endpoint: upstream.endpoint }] })
      t.after(() => gate.resolve())

      const response = await fetch(`${gateway.baseURL}${stream.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(stream.body),
      })
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      let text = ''
      while (!text.includes(stream.first)) {
        const { value, done } = await reader.read()
        assert.equal(done, false, 'the stream ended before its first event arrived')
        text += decoder.decode(value, { stream: true })
      }
      assert.equal(text, stream.first, 'the client got more than the first event before the upstream sent it')
      assert.equal(upstream.requests[0]?.url, `/v1${stream.path}`)

      gate.resolve()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        text += decoder.decode(value, { stream: true })
      }
      assert.equal(text, stream.first + stream.rest.join(''), 'the stream reached the client byte for byte')
      const outcome = await gateway.outcomeAt(0)
      assert.deepEqual(
        outcome.attempts.map((a) => [a.upstream, a.outcome]),
        [['only', 'ok']],
      )
    },
  )
}

test(
  "a /messages stream that dies before its first event still fails over; the client gets the next upstream's stream whole",
  within,
  async (t) => {
    const first = await fakeUpstreamFor(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-answered-by': 'first' })
      // A comment is not an event: nothing has committed when the connection goes.
      res.write(': keep-alive\n\n', () => res.socket?.destroy())
    })
    const second = await fakeUpstreamFor(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-answered-by': 'second' })
      res.end(messagesStream.first + messagesStream.rest.join(''))
    })
    const gateway = await gatewayWith(t, {
      clientKey,
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ],
    })

    const response = await fetch(`${gateway.baseURL}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(messagesStream.body),
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-answered-by'), 'second')
    assert.equal(await response.text(), messagesStream.first + messagesStream.rest.join(''))
    const outcome = await gateway.outcomeAt(0)
    assert.deepEqual(
      outcome.attempts.map((a) => [a.upstream, a.outcome]),
      [
        ['first', 'failed'],
        ['second', 'ok'],
      ],
    )
  },
)
