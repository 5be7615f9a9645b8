// Bounds on what clients can make the gateway hold, through the real gateway: a body that does not arrive in
// time gets 408, a connection that never sends a request is closed, and bodies in memory across all requests
// stay under max_inflight_body_bytes (503 with Retry-After past it), all of it returned when the clients leave.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { completion, json, type FakeUpstream } from './helpers/fake-upstream.js'
import { openRawConnection, type RawConnection } from './helpers/raw-connection.js'
import { deferred, fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const kib = 1024

async function setup(t: TestContext, topLevel: string): Promise<{ gw: TestGateway; upstream: FakeUpstream }> {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await startTestGateway(
    `${topLevel}\nauthorization: member-key\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream.endpoint}" }\n`,
  )
  t.after(() => gw.shutdown(1000))
  return { gw, upstream }
}

function head(length: number | 'chunked'): string {
  const framing = length === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${length}`
  return `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer member-key\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`
}

/** A member that declares `declared` bytes, sends `sent` of them, and then waits. */
async function stalledUpload(gw: TestGateway, declared: number | 'chunked', sent: number): Promise<RawConnection> {
  const connection = await openRawConnection(gw.url)
  await connection.write(head(declared))
  const filler = Buffer.alloc(sent, 0x20)
  await connection.write(
    declared === 'chunked' ? Buffer.concat([Buffer.from(`${sent.toString(16)}\r\n`), filler, Buffer.from('\r\n')]) : filler,
  )
  return connection
}

async function chat(gw: TestGateway): Promise<Response> {
  return fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer member-key', 'content-type': 'application/json' },
    body: '{"model":"gpt-4o"}',
  })
}

test('a body that has not fully arrived within body_timeout gets 408 request_timeout', { timeout: 20_000 }, async (t) => {
  const { gw, upstream } = await setup(t, 'body_timeout: 0.2')
  const connection = await stalledUpload(gw, 1000, 100)
  const answer = await connection.answer
  assert.equal(answer.status, 408)
  assert.equal(answer.headers['connection'], 'close')
  const body = JSON.parse(answer.body) as { error: { code: string; type: string } }
  assert.equal(body.error.code, 'request_timeout')
  assert.equal(body.error.type, 'invalid_request_error')
  await connection.closed
  assert.equal(upstream.requests.length, 0)
  assert.equal((await gw.outcomeAt(0)).errorCode, 'request_timeout')
  await waitFor(() => gw.bodyBudget.used === 0, 'the slow body to be released')
})

test('a connection that never sends a request is closed after header_timeout', { timeout: 20_000 }, async (t) => {
  const { gw } = await setup(t, 'header_timeout: 0.2')
  const silent = await openRawConnection(gw.url)
  await silent.closed
  assert.equal(silent.socket.bytesRead, 0, 'closed without an answer: there was no request to answer')
  // A connection that does speak is served as usual.
  const res = await chat(gw)
  assert.equal(res.status, 200)
  await res.arrayBuffer()
})

test('a request head still incomplete at header_timeout gets 408 and its connection is closed', { timeout: 20_000 }, async (t) => {
  const { gw, upstream } = await setup(t, 'header_timeout: 0.2')
  const slow = await openRawConnection(gw.url)
  // Part of a head, then nothing more: the client is told why its request went unanswered.
  await slow.write('POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\n')
  await slow.closed
  assert.ok(slow.answered(), 'the connection was closed without an answer')
  assert.equal((await slow.answer).status, 408)
  assert.equal(upstream.requests.length, 0)
})

test(
  'a body nothing reads (a /healthz or unknown path with a body still arriving) is cut after header_timeout + body_timeout',
  { timeout: 20_000 },
  async (t) => {
    const { gw } = await setup(t, 'header_timeout: 0.2\nbody_timeout: 0.2')
    for (const path of ['/healthz', '/nope']) {
      const connection = await openRawConnection(gw.url)
      await connection.write(`POST ${path} HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\r\n1\r\n \r\n`)
      // Answered at once, but the body never ends: the connection is not held for it forever.
      assert.ok([200, 404].includes((await connection.answer).status))
      await connection.closed
    }
  },
)

test('a relay whose body has arrived is not cut by that bound, however long its answer takes', { timeout: 20_000 }, async (t) => {
  const release = deferred()
  const upstream = await fakeUpstreamFor(t, async (req, res) => {
    await release.promise
    await json(200, completion('late'))(req, res)
  })
  const gw = await startTestGateway(
    `header_timeout: 0.2\nbody_timeout: 0.2\nauthorization: member-key\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream.endpoint}", timeout: 30 }\n`,
  )
  t.after(() => gw.shutdown(1000))
  const answering = chat(gw)
  await waitFor(() => upstream.requests.length === 1, 'the relay to reach the upstream')
  // A body nobody reads, cut by the bound: by then the bound has passed for the relay too.
  const cut = await openRawConnection(gw.url)
  await cut.write('POST /healthz HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\r\n1\r\n \r\n')
  await cut.closed
  release.resolve()
  const res = await answering
  assert.equal(res.status, 200)
  assert.match(await res.text(), /late/)
})

test(
  'past max_inflight_body_bytes new requests get 503 with Retry-After; the budget returns when the clients leave',
  { timeout: 30_000 },
  async (t) => {
    const { gw, upstream } = await setup(t, 'max_inflight_body_bytes: 256KiB')
    // Ten slow clients, declared and chunked, each holding part of a body.
    const holders: RawConnection[] = []
    for (let i = 0; i < 5; i++) holders.push(await stalledUpload(gw, 40 * kib, 100))
    for (let i = 0; i < 5; i++) holders.push(await stalledUpload(gw, 'chunked', 8 * kib))
    await waitFor(() => gw.bodyBudget.used === 5 * 40 * kib + 5 * 8 * kib, 'the held bodies to be counted')
    // A declared body that does not fit is refused before it is sent.
    const refused = await stalledUpload(gw, 30 * kib, 0)
    const answer = await refused.answer
    assert.equal(answer.status, 503)
    assert.equal(answer.headers['retry-after'], '1')
    assert.equal((JSON.parse(answer.body) as { error: { code: string; type: string } }).error.code, 'server_busy')
    refused.socket.destroy()
    // A chunked body that grows past what is left is refused as it grows.
    const growing = await stalledUpload(gw, 'chunked', 20 * kib)
    assert.equal((await growing.answer).status, 503)
    growing.socket.destroy()
    // Small requests still fit.
    assert.equal((await chat(gw)).status, 200)
    // The clients leave without finishing: every byte they held is returned, and larger bodies fit again.
    for (const holder of holders) holder.socket.destroy()
    await waitFor(() => gw.bodyBudget.used === 0, 'the budget to be returned')
    const big = `{"model":"gpt-4o","pad":"${'x'.repeat(200 * kib)}"}`
    const res = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer member-key', 'content-type': 'application/json' },
      body: big,
    })
    assert.equal(res.status, 200)
    await res.arrayBuffer()
    await waitFor(() => gw.bodyBudget.used === 0, 'the relayed body to be released')
    assert.equal(upstream.requests.at(-1)?.body.length, Buffer.byteLength(big))
  },
)

test(
  'clients without a key can fill only half of max_inflight_body_bytes: keyed clients find the other half',
  { timeout: 30_000 },
  async (t) => {
    const keyed = await fakeUpstreamFor(t, json(200, completion('keyed')))
    const open = await fakeUpstreamFor(t, json(200, completion('open')))
    const gw = await startTestGateway(
      [
        'max_inflight_body_bytes: 256KiB',
        'authorization: member-key',
        'upstreams:',
        `  - { sk: sk-up, endpoint: "${keyed.endpoint}" }`,
        `  - { sk: sk-open, endpoint: "${open.endpoint}", noauth: true }`,
        '',
      ].join('\n'),
    )
    t.after(() => gw.shutdown(1000))
    const anonymousHead = (length: number): string =>
      `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`
    // Strangers hold 4 x 32 KiB = their whole half; a fifth is refused although the whole has room.
    const strangers: RawConnection[] = []
    for (let i = 0; i < 4; i++) {
      const connection = await openRawConnection(gw.url)
      await connection.write(anonymousHead(32 * kib))
      await connection.write(' ')
      strangers.push(connection)
    }
    await waitFor(() => gw.bodyBudget.used === 4 * 32 * kib, "the strangers' bodies to be counted")
    const fifth = await openRawConnection(gw.url)
    await fifth.write(anonymousHead(32 * kib))
    assert.equal((await fifth.answer).status, 503)
    fifth.socket.destroy()
    // A member's large body still fits in the other half.
    const big = `{"model":"gpt-4o","pad":"${'x'.repeat(100 * kib)}"}`
    const res = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer member-key', 'content-type': 'application/json' },
      body: big,
    })
    assert.equal(res.status, 200)
    await res.arrayBuffer()
    for (const stranger of strangers) stranger.socket.destroy()
    await waitFor(() => gw.bodyBudget.used === 0, 'the budget to be returned')
  },
)
