// Pass-through through the real gateway: every method under /v1/* reaches the upstream with its body, path and
// query unchanged; which headers cross in each direction; request ids; CORS (also from a real browser); health.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { FormData, fetch as undiciFetch } from 'undici'
import { completion, json, sse, streamOf } from './helpers/fake-upstream.js'
import { fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-passthrough'
const upstreamKey = 'sk-upstream-passthrough-secret'
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function gateway(t: TestContext, yaml: string): Promise<TestGateway> {
  const gw = await startTestGateway(yaml)
  t.after(() => gw.shutdown(1000))
  return gw
}

/** One upstream with the given extra keys. */
function oneUpstream(endpoint: string, ...extra: string[]): string {
  return (
    [
      `authorization: ${clientKey}`,
      'upstreams:',
      `  - sk: ${upstreamKey}`,
      `    endpoint: ${endpoint}`,
      ...extra.map((line) => `    ${line}`),
    ].join('\n') + '\n'
  )
}

interface RawResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: string[]
  readonly body: Buffer
}

/** node:http, so every response header (hop-by-hop ones included) is visible as sent. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const auth = { authorization: `Bearer ${clientKey}` }

function openaiErrorOf(body: Buffer | string): { message: string; type: string; param: unknown; code: string } {
  const parsed = JSON.parse(body.toString()) as { error: { message: string; type: string; param: unknown; code: string } }
  assert.deepEqual(Object.keys(parsed), ['error'])
  assert.deepEqual(Object.keys(parsed.error).sort(), ['code', 'message', 'param', 'type'])
  return parsed.error
}

// ---- Methods, paths, bodies ----

test('GET /v1/models is relayed with its query string, and the answer arrives byte for byte', async (t) => {
  const answer = '{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1,"owned_by":"x"}]}  \n'
  const upstream = await fakeUpstreamFor(t, json(200, answer))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await rawRequest(`${gw.baseURL}/models?limit=2&after=m%2Fx`, { headers: auth })
  assert.equal(res.status, 200)
  assert.equal(res.body.toString(), answer)
  assert.equal(upstream.requests.length, 1)
  assert.equal(upstream.requests[0]?.method, 'GET')
  assert.equal(upstream.requests[0]?.url, '/v1/models?limit=2&after=m%2Fx')
  assert.equal(upstream.requests[0]?.body.length, 0)
})

test('the upstream URL is the endpoint plus the client path minus /v1, whatever the base path', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, oneUpstream(`http://127.0.0.1:${upstream.port}/openai/v1/`))
  const res = await rawRequest(`${gw.baseURL}/chat/completions?api-version=2024-10-21`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{"model":"gpt-4o"}',
  })
  assert.equal(res.status, 200)
  assert.equal(upstream.requests[0]?.url, '/openai/v1/chat/completions?api-version=2024-10-21')
})

test('a POST JSON body and its answer pass through unchanged, byte for byte', async (t) => {
  // Odd spacing, key order, unicode escapes and a duplicate key: any re-serialisation would change these bytes.
  const body = '{ "messages":[{"role":"user","content":"h\\u00e9llo ✓"}],\n  "model" : "gpt-4o", "temperature":1.0, "x":1, "x":2 }'
  const answer = `{"id":"c","choices":[{"message":{"content":"ünïcode \\ud83d\\ude00"}}], "usage" : null }\n`
  const upstream = await fakeUpstreamFor(t, json(200, answer, { 'x-custom-answer': 'kept' }))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body,
  })
  assert.equal(res.status, 200)
  assert.deepEqual(upstream.requests[0]?.body, Buffer.from(body))
  assert.deepEqual(res.body, Buffer.from(answer))
  assert.equal(res.headers['x-custom-answer'], 'kept')
  assert.equal(res.headers['content-type'], 'application/json')
  assert.deepEqual((await gw.outcomeAt(0)).requestBody, Buffer.from(body), 'a JSON body is kept for records as sent')
})

test('DELETE /v1/files/{id} is relayed as a DELETE to the same file', async (t) => {
  const answer = { id: 'file-abc123', object: 'file', deleted: true }
  const upstream = await fakeUpstreamFor(t, json(200, answer))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await fetch(`${gw.baseURL}/files/file-abc123`, { method: 'DELETE', headers: auth })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), answer)
  assert.equal(upstream.requests[0]?.method, 'DELETE')
  assert.equal(upstream.requests[0]?.url, '/v1/files/file-abc123')
})

test('a multipart transcription upload reaches the upstream allowed for its path, bytes unchanged', async (t) => {
  const chat = await fakeUpstreamFor(t, json(200, completion('chat')))
  const audio = await fakeUpstreamFor(t, json(200, { text: 'hello from audio' }))
  const gw = await gateway(
    t,
    [
      `authorization: ${clientKey}`,
      'upstreams:',
      `  - { sk: ${upstreamKey}, endpoint: "${chat.endpoint}", deny: [/v1/audio/transcriptions] }`,
      `  - { sk: ${upstreamKey}, endpoint: "${audio.endpoint}", allow: [/v1/audio/transcriptions] }`,
    ].join('\n'),
  )
  const audioBytes = randomBytes(50_000)
  const form = new FormData()
  form.append('model', 'whisper-1')
  form.append('file', new Blob([audioBytes], { type: 'audio/wav' }), 'speech.wav')
  const res = await undiciFetch(`${gw.baseURL}/audio/transcriptions`, { method: 'POST', headers: auth, body: form })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { text: 'hello from audio' })
  assert.equal(chat.requests.length, 0)
  const received = audio.requests[0]
  assert.ok(received !== undefined)
  assert.equal(received.url, '/v1/audio/transcriptions')
  const contentType = received.headers['content-type'] ?? ''
  assert.match(contentType, /^multipart\/form-data; boundary=/)
  // The part holding the file carries exactly the bytes the client sent.
  const start = received.body.indexOf('\r\n\r\n', received.body.indexOf('filename="speech.wav"')) + 4
  assert.deepEqual(received.body.subarray(start, start + audioBytes.length), audioBytes)
  const outcome = await gw.outcomeAt(0)
  assert.equal(outcome.model, '/v1/audio/transcriptions')
  assert.equal(outcome.bytesIn, received.body.length)
  assert.equal(outcome.requestBody, null, 'an upload is not kept for records')
})

test('a binary answer from /v1/audio/speech arrives with identical bytes', async (t) => {
  const mp3 = randomBytes(300_000)
  const upstream = await fakeUpstreamFor(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/mpeg' })
    // Several writes, so the relay sees it in pieces.
    for (let i = 0; i < mp3.length; i += 65_536) res.write(mp3.subarray(i, i + 65_536))
    res.end()
  })
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await fetch(`${gw.baseURL}/audio/speech`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', input: 'Hello', voice: 'alloy' }),
  })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'audio/mpeg')
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), mp3)
})

// ---- Headers to the upstream ----

const clientHeaders = {
  ...auth,
  'content-type': 'application/json',
  accept: 'application/json',
  'openai-beta': 'assistants=v2',
  'openai-organization': 'org-123',
  'user-agent': 'passthrough-test/1.0',
  'x-custom': 'custom-value',
  'accept-encoding': 'gzip, br',
  cookie: 'session=abc',
  'x-request-id': 'client-request-1',
  // Hop-by-hop: listed by name, and by the Connection header.
  connection: 'keep-alive, x-hop-listed',
  'x-hop-listed': 'connection-only',
  'keep-alive': 'timeout=5',
  te: 'trailers',
  'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
}

/** Header names the HTTP client itself adds on the upstream connection. */
const transportHeaders = new Set(['host', 'content-length', 'connection'])

async function headersReceivedWith(t: TestContext, ...extra: string[]): Promise<{ headers: IncomingHttpHeaders; upstreamPort: number }> {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, oneUpstream(upstream.endpoint, ...extra))
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: clientHeaders, body: '{"model":"gpt-4o"}' })
  assert.equal(res.status, 200)
  const received = upstream.requests[0]
  assert.ok(received !== undefined)
  return { headers: received.headers, upstreamPort: upstream.port }
}

test('by default the upstream gets only content-type, accept, openai-beta, its own key and the request id', async (t) => {
  const { headers } = await headersReceivedWith(t)
  assert.deepEqual(
    Object.keys(headers)
      .filter((name) => !transportHeaders.has(name))
      .sort(),
    ['accept', 'accept-encoding', 'authorization', 'content-type', 'openai-beta', 'x-request-id'],
  )
  assert.equal(headers['authorization'], `Bearer ${upstreamKey}`)
  assert.equal(headers['content-type'], 'application/json')
  assert.equal(headers['accept'], 'application/json')
  assert.equal(headers['openai-beta'], 'assistants=v2')
  assert.equal(headers['x-request-id'], 'client-request-1')
  // Never the client's codings: the gateway reads what it relays.
  assert.equal(headers['accept-encoding'], 'identity')
  assert.notEqual(headers['connection'], 'keep-alive, x-hop-listed')
})

test("keep_header forwards the client's other headers but no hop-by-hop, auth, host, length or encoding header", async (t) => {
  const { headers, upstreamPort } = await headersReceivedWith(t, 'keep_header: true')
  assert.equal(headers['openai-organization'], 'org-123')
  assert.equal(headers['user-agent'], 'passthrough-test/1.0')
  assert.equal(headers['x-custom'], 'custom-value')
  assert.equal(headers['cookie'], 'session=abc')
  assert.equal(headers['openai-beta'], 'assistants=v2')
  assert.equal(headers['authorization'], `Bearer ${upstreamKey}`)
  assert.equal(headers['x-request-id'], 'client-request-1')
  for (const name of ['x-hop-listed', 'keep-alive', 'te', 'proxy-authorization']) {
    assert.equal(headers[name], undefined, name)
  }
  assert.equal(headers['accept-encoding'], 'identity')
  assert.notEqual(headers['connection'], 'keep-alive, x-hop-listed')
  assert.equal(headers['host'], `127.0.0.1:${upstreamPort}`)
  assert.equal(headers['content-length'], String('{"model":"gpt-4o"}'.length))
})

test("sk: asis forwards the client's Authorization header unchanged", async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, ['upstreams:', `  - sk: asis`, `    endpoint: ${upstream.endpoint}`, '    noauth: true'].join('\n'))
  for (const [i, value] of ['Bearer sk-client-own-key-1', 'bearer  sk-client-own-key-2'].entries()) {
    const res = await rawRequest(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: value, 'content-type': 'application/json' },
      body: '{"model":"m"}',
    })
    assert.equal(res.status, 200)
    assert.equal(upstream.requests[i]?.headers['authorization'], value)
  }
})

test('sk: asis with keep_header still forwards the client Authorization exactly once', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, oneUpstream(upstream.endpoint, 'keep_header: true').replace(`sk: ${upstreamKey}`, 'sk: asis'))
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: clientHeaders, body: '{"model":"m"}' })
  assert.equal(res.status, 200)
  const raw = upstream.requests[0]?.headers['authorization']
  assert.equal(raw, `Bearer ${clientKey}`)
})

test('an upstream without sk gets no Authorization header at all', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(
    t,
    [`authorization: ${clientKey}`, 'upstreams:', `  - endpoint: ${upstream.endpoint}`, '    keep_header: true'].join('\n'),
  )
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: clientHeaders, body: '{"model":"m"}' })
  assert.equal(res.status, 200)
  assert.equal(upstream.requests[0]?.headers['authorization'], undefined)
})

// ---- Headers to the client ----

test("the upstream's hop-by-hop headers, and those its Connection header lists, do not reach the client", async (t) => {
  const upstream = await fakeUpstreamFor(t, (_req, res) => {
    res.setHeader('connection', 'keep-alive, x-upstream-hop')
    res.setHeader('x-upstream-hop', 'one-hop-only')
    res.setHeader('keep-alive', 'timeout=7, max=3')
    res.setHeader('proxy-authenticate', 'Basic realm="upstream"')
    res.setHeader('x-end-to-end', 'kept')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await rawRequest(`${gw.baseURL}/models`, { headers: auth })
  assert.equal(res.status, 200)
  assert.equal(res.body.toString(), '{"ok":true}')
  assert.equal(res.headers['x-end-to-end'], 'kept')
  assert.equal(res.headers['x-upstream-hop'], undefined)
  assert.equal(res.headers['proxy-authenticate'], undefined)
  // The gateway's own connection keeps its own keep-alive terms, not the upstream's.
  assert.equal(
    res.rawHeaders.some((value) => value.includes('timeout=7') || value.includes('x-upstream-hop')),
    false,
  )
})

// ---- Request ids ----

test("the client's x-request-id is echoed and sent upstream; the upstream's own arrives as x-upstream-request-id", async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok'), { 'x-request-id': 'req_upstream_42' }))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'my-trace-7' },
    body: '{"model":"m"}',
  })
  assert.equal(res.status, 200)
  assert.equal(res.headers['x-request-id'], 'my-trace-7')
  assert.equal(res.headers['x-upstream-request-id'], 'req_upstream_42')
  assert.equal(upstream.requests[0]?.headers['x-request-id'], 'my-trace-7')
  assert.equal((await gw.outcomeAt(0)).requestId, 'my-trace-7')
})

test('every response carries a request id: success, gateway errors, preflight, health and unknown paths', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const cases: Array<{ name: string; url: string; method?: string; headers?: OutgoingHttpHeaders; body?: string; status: number }> = [
    { name: 'success', url: `${gw.baseURL}/chat/completions`, method: 'POST', headers: auth, body: '{"model":"m"}', status: 200 },
    { name: 'no key', url: `${gw.baseURL}/chat/completions`, method: 'POST', body: '{"model":"m"}', status: 401 },
    {
      name: 'preflight',
      url: `${gw.baseURL}/chat/completions`,
      method: 'OPTIONS',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST' },
      status: 204,
    },
    { name: 'healthz', url: `${gw.url}/healthz`, status: 200 },
    { name: 'readyz', url: `${gw.url}/readyz`, status: 200 },
    { name: 'unknown path', url: `${gw.url}/nope`, status: 404 },
  ]
  const generated = new Set<string>()
  for (const c of cases) {
    const generatedRes = await rawRequest(c.url, { method: c.method ?? 'GET', headers: c.headers ?? {}, body: c.body })
    assert.equal(generatedRes.status, c.status, c.name)
    const id = generatedRes.headers['x-request-id']
    assert.match(String(id), uuid, `${c.name}: a generated id`)
    generated.add(String(id))
    const echoed = await rawRequest(c.url, {
      method: c.method ?? 'GET',
      headers: { ...c.headers, 'x-request-id': `id-${c.name.replace(/ /g, '-')}` },
      body: c.body,
    })
    assert.equal(echoed.status, c.status, c.name)
    assert.equal(echoed.headers['x-request-id'], `id-${c.name.replace(/ /g, '-')}`, `${c.name}: the client's id`)
  }
  assert.equal(generated.size, cases.length, 'each generated id is new')
})

// ---- CORS ----

test('a preflight is answered by the gateway with 204, echoing the requested headers, and never reaches the upstream', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://app.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-stainless-os',
    },
  })
  assert.equal(res.status, 204)
  assert.equal(res.body.length, 0)
  assert.equal(res.headers['access-control-allow-origin'], '*')
  assert.equal(res.headers['access-control-allow-headers'], 'authorization, content-type, x-stainless-os')
  for (const method of ['POST', 'GET', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'])
    assert.match(String(res.headers['access-control-allow-methods']), new RegExp(`\\b${method}\\b`))
  assert.equal(upstream.requests.length, 0)

  const plain = await rawRequest(`${gw.baseURL}/models`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
  })
  assert.equal(plain.status, 204)
  assert.equal(plain.headers['access-control-allow-headers'], 'Origin, Authorization, Content-Type')
})

test("the upstream's CORS headers are replaced by the gateway's", async (t) => {
  const upstream = await fakeUpstreamFor(
    t,
    json(200, completion('ok'), {
      'access-control-allow-origin': 'https://only-this.example',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-secret-internal',
    }),
  )
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const res = await rawRequest(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { ...auth, origin: 'http://app.example' },
    body: '{"model":"m"}',
  })
  assert.equal(res.status, 200)
  assert.equal(res.headers['access-control-allow-origin'], '*')
  assert.equal(res.headers['access-control-allow-credentials'], undefined)
  assert.equal(res.headers['access-control-expose-headers'], 'x-request-id')
  assert.equal(res.rawHeaders.filter((name) => name.toLowerCase() === 'access-control-allow-origin').length, 1)
})

/** One request written by hand on a fresh connection; everything the gateway sends until it closes or `until` holds. */
async function rawExchange(url: string, head: string, body: string, until: (received: string) => boolean): Promise<string> {
  const { connect } = await import('node:net')
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  let received = ''
  socket.setEncoding('latin1').on('data', (text: string) => (received += text))
  socket.write(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  await new Promise<void>((resolve, reject) => {
    socket.on('data', () => {
      if (until(received)) resolve()
    })
    socket.on('end', resolve)
    socket.on('error', reject)
  })
  socket.destroy()
  return received
}

test('a stream reaches an HTTP/1.1 client as chunked coding, one chunk per forwarded event, ended by the last chunk', async (t) => {
  const upstream = await fakeUpstreamFor(t, sse(streamOf(['Hi', ' there'])))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const raw = await rawExchange(
    gw.url,
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${clientKey}`,
    body,
    (r) => r.endsWith('\r\n0\r\n\r\n'),
  )
  const [head, rest] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)]
  assert.match(head, /^HTTP\/1\.1 200 /)
  assert.match(head, /\r\ntransfer-encoding: chunked/i)
  // Decode the chunked body by hand: sizes must match, and it must end with the zero-size chunk.
  const events: string[] = []
  let at = 0
  for (;;) {
    const lineEnd = rest.indexOf('\r\n', at)
    const size = Number.parseInt(rest.slice(at, lineEnd), 16)
    if (size === 0) {
      assert.equal(rest.slice(lineEnd), '\r\n\r\n')
      break
    }
    events.push(rest.slice(lineEnd + 2, lineEnd + 2 + size))
    assert.equal(rest.slice(lineEnd + 2 + size, lineEnd + 4 + size), '\r\n')
    at = lineEnd + 4 + size
  }
  const text = events.join('')
  assert.ok(text.endsWith('data: [DONE]\n\n'))
  assert.equal(text.split('\n\n').filter((e) => e.startsWith('data: {')).length, 4)
})

test('a stream reaches an HTTP/1.0 client unframed, ended by the connection closing', async (t) => {
  const upstream = await fakeUpstreamFor(t, sse(streamOf(['Hi', ' there'])))
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const raw = await rawExchange(
    gw.url,
    `POST /v1/chat/completions HTTP/1.0\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${clientKey}`,
    body,
    () => false,
  )
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'))
  const text = raw.slice(raw.indexOf('\r\n\r\n') + 4)
  assert.match(head, /^HTTP\/1\.1 200 /)
  assert.doesNotMatch(head, /transfer-encoding/i)
  assert.ok(text.startsWith('data: {'), JSON.stringify(text.slice(0, 20)))
  assert.ok(text.endsWith('data: [DONE]\n\n'))
  assert.equal(text.split('\n\n').filter((e) => e.startsWith('data: {')).length, 4)
})

test('a page on another origin streams a chat completion through the gateway in Chromium', async (t) => {
  const chromiumPath = '/usr/bin/chromium'
  if (!existsSync(chromiumPath)) {
    if (process.env['REQUIRE_SERVICES'] === '1') assert.fail(`${chromiumPath} is missing and REQUIRE_SERVICES=1`)
    t.skip(`skipped: ${chromiumPath} is not installed (apt-get install -y chromium)`)
    return
  }
  const { chromium } = await import('playwright-core')
  const words = ['Hello', ' from', ' a', ' browser']
  const upstream = await fakeUpstreamFor(
    t,
    sse(streamOf(words), { gapMs: 5, headers: { 'access-control-allow-origin': 'https://not-this-page.example' } }),
  )
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const page = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<!doctype html><title>page</title>')
  })
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => page.close(() => resolve())))
  const pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`
  assert.notEqual(pageOrigin, gw.url)

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
  })
  t.after(() => browser.close())
  const tab = await browser.newPage()
  await tab.goto(`${pageOrigin}/`)
  const result = await tab.evaluate(
    async ({ url, key }) => {
      // Authorization is not a CORS-safelisted header, so the browser sends a preflight first.
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'X-Request-Id': 'from-the-browser' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      let text = ''
      let reads = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        reads++
        text += decoder.decode(value, { stream: true })
      }
      return { status: res.status, requestId: res.headers.get('x-request-id'), text, reads }
    },
    { url: `${gw.baseURL}/chat/completions`, key: clientKey },
  )
  assert.equal(result.status, 200)
  assert.equal(result.requestId, 'from-the-browser')
  const contents = result.text
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
  assert.equal(contents.join(''), words.join(''))
  assert.match(result.text, /data: \[DONE\]\n\n$/)
  assert.equal(upstream.requests.length, 1, 'the preflight stays at the gateway')
})

// ---- Health and unknown paths ----

test('/healthz and /readyz answer 200; an unknown path outside /v1 is a 404 in OpenAI error shape', async (t) => {
  const upstream = await fakeUpstreamFor(t)
  const gw = await gateway(t, oneUpstream(upstream.endpoint))
  const health = await rawRequest(`${gw.url}/healthz`)
  assert.equal(health.status, 200)
  assert.deepEqual(JSON.parse(health.body.toString()), { status: 'ok' })
  const ready = await rawRequest(`${gw.url}/readyz`)
  assert.equal(ready.status, 200)
  for (const path of ['/', '/v2/chat/completions', '/v1', '/metricsz']) {
    const res = await rawRequest(`${gw.url}${path}`, { method: 'POST', headers: auth, body: '{"model":"m"}' })
    assert.equal(res.status, 404, path)
    assert.equal(res.headers['content-type'], 'application/json')
    assert.equal(openaiErrorOf(res.body).code, 'not_found', path)
  }
  assert.equal(upstream.requests.length, 0)
})
