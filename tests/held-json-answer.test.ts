// A 2xx JSON answer to a non-stream request commits at its end, through the real gateway: one cut short (reset
// before its Content-Length, chunked coding cut, stalled past idle_timeout) fails over and the client gets the next
// upstream's whole answer. A JSON answer past max_held_body, and any audio or binary answer, commit before their end.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import type { AttemptRecord } from '../src/outcome/request-outcome.js'
import { completion, json, type Behaviour, type ReceivedRequest } from './helpers/fake-upstream.js'
import { chatRequest, deferred, fakeUpstreamFor, gatewayWith, openaiClientFor } from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-held'
/** A gateway that did not commit when it should would leave the test waiting: this fails it instead. */
const within = { timeout: 20_000 }

/** A chat completion of about `bytes` bytes. */
function answerText(id: string, bytes: number): string {
  const base = JSON.stringify({ ...(completion('') as object), id })
  return JSON.stringify({ ...(completion('x'.repeat(bytes - base.length)) as object), id })
}

function writeAll(res: ServerResponse, bytes: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => res.write(bytes, (error) => (error ? reject(error) : resolve())))
}

/** `reset`: the connection destroyed; `close`: closed in order (FIN) with the body unfinished; `hang`: left open, silent. */
type Cut = 'reset' | 'close' | 'hang'

/** A 200 JSON answer whose body stops half-way. */
function halfAnswer(framing: 'content-length' | 'chunked', cut: Cut): Behaviour {
  return async (_req: ReceivedRequest, res: ServerResponse) => {
    const body = answerText('chatcmpl-dead', 1000)
    const length: Record<string, string> = framing === 'content-length' ? { 'content-length': String(Buffer.byteLength(body)) } : {}
    res.writeHead(200, { 'content-type': 'application/json', 'x-answered-by': 'first', ...length })
    await writeAll(res, body.slice(0, 500))
    if (cut === 'reset') res.socket?.destroy()
    if (cut === 'close') res.socket?.end()
  }
}

function summary(attempts: readonly AttemptRecord[]): Array<[string, string]> {
  return attempts.map((a) => [a.upstream, a.outcome])
}

function post(gateway: TestGateway, path: string, body: unknown): Promise<Response> {
  return fetch(`${gateway.baseURL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Reads from `reader` until `wanted` bytes have come; returns them. */
async function readAtLeast(reader: ReadableStreamDefaultReader<Uint8Array>, wanted: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let bytes = 0
  while (bytes < wanted) {
    const { value, done } = await reader.read()
    assert.equal(done, false, `the body ended after ${bytes} of ${wanted} bytes`)
    parts.push(Buffer.from(value))
    bytes += value.length
  }
  return Buffer.concat(parts)
}

async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return Buffer.concat(parts)
    parts.push(Buffer.from(value))
  }
}

const deaths: ReadonlyArray<{
  name: string
  framing: 'content-length' | 'chunked'
  cut: Cut
  extra: readonly string[]
  codes: readonly string[]
}> = [
  // A connection that closes before the body's end is reported as a reset by the HTTP client, whatever the framing.
  {
    name: 'is reset half-way, before its Content-Length,',
    framing: 'content-length',
    cut: 'reset',
    extra: [],
    codes: ['upstream_reset', 'upstream_truncated'],
  },
  {
    name: 'is reset half-way, before its last chunk,',
    framing: 'chunked',
    cut: 'reset',
    extra: [],
    codes: ['upstream_reset', 'upstream_truncated'],
  },
  {
    name: 'is closed half-way, before its Content-Length,',
    framing: 'content-length',
    cut: 'close',
    extra: [],
    codes: ['upstream_reset', 'upstream_truncated'],
  },
  {
    name: 'is closed half-way, before its last chunk,',
    framing: 'chunked',
    cut: 'close',
    extra: [],
    codes: ['upstream_reset', 'upstream_truncated'],
  },
  {
    name: 'stalls half-way past idle_timeout',
    framing: 'content-length',
    cut: 'hang',
    extra: ['idle_timeout: 0.3'],
    codes: ['upstream_idle_timeout'],
  },
]

for (const death of deaths) {
  test(`a 200 JSON answer that ${death.name} fails over; the client gets the next upstream's whole answer`, within, async (t) => {
    const whole = answerText('chatcmpl-live', 1000)
    const first = await fakeUpstreamFor(t, halfAnswer(death.framing, death.cut))
    const second = await fakeUpstreamFor(t, json(200, whole, { 'x-answered-by': 'second' }))
    const gateway = await gatewayWith(t, {
      clientKey,
      upstreams: [
        { name: 'first', endpoint: first.endpoint, extra: death.extra },
        { name: 'second', endpoint: second.endpoint },
      ],
    })

    const { data, response } = await openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest).withResponse()

    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-answered-by'), 'second', 'a header of the cut answer reached the client')
    assert.equal(data.id, 'chatcmpl-live')
    assert.deepEqual(data, JSON.parse(whole))
    const outcome = await gateway.outcomeAt(0)
    assert.deepEqual(summary(outcome.attempts), [
      ['first', 'failed'],
      ['second', 'ok'],
    ])
    assert.ok(death.codes.includes(outcome.attempts[0]?.errorCode ?? ''), `first failed with ${String(outcome.attempts[0]?.errorCode)}`)
    assert.equal(outcome.status, 200)
  })
}

test('a whole JSON answer reaches the client byte for byte, its Content-Length kept', within, async (t) => {
  const whole = answerText('chatcmpl-whole', 3000)
  const upstream = await fakeUpstreamFor(t, json(200, whole, { 'x-answered-by': 'only' }))
  const gateway = await gatewayWith(t, { clientKey, upstreams: [{ name: 'only', endpoint: upstream.endpoint }] })

  const response = await post(gateway, '/chat/completions', chatRequest)
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(whole)))
  assert.equal(await response.text(), whole)
})

test('an audio answer commits at its first byte: the client reads it before the upstream sends the rest', within, async (t) => {
  const gate = deferred()
  const head = Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000first-frames')
  const tail = Buffer.alloc(4096, 7)
  const upstream = await fakeUpstreamFor(t, async (req, res) => {
    res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': String(head.length + tail.length) })
    await writeAll(res, head)
    await Promise.race([gate.promise, req.aborted])
    if (!req.wasAborted()) res.end(tail)
  })
  const gateway = await gatewayWith(t, { clientKey, upstreams: [{ name: 'only', endpoint: upstream.endpoint }] })
  t.after(() => gate.resolve())

  const response = await post(gateway, '/audio/speech', { model: 'tts-1', input: 'Hello', voice: 'alloy' })
  assert.equal(response.status, 200)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const early = await readAtLeast(reader, head.length)
  assert.deepEqual(early, head, 'the client got more than the upstream had sent')
  gate.resolve()
  assert.deepEqual(Buffer.concat([early, await readToEnd(reader)]), Buffer.concat([head, tail]))
})

test(
  'a JSON answer past max_held_body commits and streams: the client reads its start before the upstream sends the rest',
  within,
  async (t) => {
    const gate = deferred()
    const whole = answerText('chatcmpl-large', 8000)
    const split = 4000
    const upstream = await fakeUpstreamFor(t, async (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)) })
      await writeAll(res, whole.slice(0, split))
      await Promise.race([gate.promise, req.aborted])
      if (!req.wasAborted()) res.end(whole.slice(split))
    })
    const gateway = await gatewayWith(t, {
      clientKey,
      topLevel: ['max_held_body: 1KiB'],
      upstreams: [{ name: 'only', endpoint: upstream.endpoint }],
    })
    t.after(() => gate.resolve())

    const response = await post(gateway, '/chat/completions', chatRequest)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(whole)))
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const early = await readAtLeast(reader, split)
    assert.equal(early.toString(), whole.slice(0, split))
    gate.resolve()
    assert.equal(Buffer.concat([early, await readToEnd(reader)]).toString(), whole)
  },
)
