// The request body limit through the real gateway: a client sending too much really receives the 413
// (not a reset), whether it declared the size or streamed it chunked, and with Expect: 100-continue it
// receives the 413 before sending anything.
import assert from 'node:assert/strict'
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { test, type TestContext } from 'node:test'
import { completion, json, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-limits'
const mib = 1024 * 1024

async function setup(t: TestContext, topLevel = ''): Promise<{ upstream: FakeUpstream; gw: TestGateway }> {
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  t.after(() => upstream.close())
  const gw = await startTestGateway(
    `${topLevel}\nauthorization: ${clientKey}\nupstreams:\n  - { sk: sk-limits, endpoint: "${upstream.endpoint}" }\n`,
  )
  t.after(() => gw.shutdown(1000))
  return { upstream, gw }
}

interface Received {
  readonly status: number
  readonly body: string
  readonly sawContinue: boolean
  /** Body bytes the client managed to hand to its socket. */
  readonly bytesSent: number
}

/**
 * POSTs `total` bytes of JSON (`{}` and whitespace) in pieces, as fast as the connection takes them, and resolves
 * with the response. Rejects on a connection error, which is exactly what a client must not get.
 */
function upload(
  url: string,
  total: number,
  options: { chunked?: boolean; expectContinue?: boolean; declared?: number } = {},
): Promise<Received> {
  const headers: OutgoingHttpHeaders = { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' }
  if (options.chunked !== true) headers['content-length'] = String(options.declared ?? total)
  if (options.expectContinue === true) headers['expect'] = '100-continue'
  return new Promise((resolve, reject) => {
    let sawContinue = false
    let bytesSent = 0
    let responded = false
    const req: ClientRequest = httpRequest(url, { method: 'POST', headers, agent: false })
    const chunk = Buffer.alloc(Math.min(total, 256 * 1024), 0x20)
    // Valid JSON whatever its length: an empty object, then whitespace.
    const first = Buffer.from(chunk)
    first.write('{}', 0, 'latin1')
    const pump = (): void => {
      while (!responded && bytesSent < total) {
        const next = bytesSent === 0 ? first : chunk
        const piece = total - bytesSent >= next.length ? next : next.subarray(0, total - bytesSent)
        bytesSent += piece.length
        if (!req.write(piece)) {
          req.once('drain', pump)
          return
        }
      }
      if (!responded) req.end()
    }
    req.on('response', (res: IncomingMessage) => {
      responded = true
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), sawContinue, bytesSent })
        // The rest of the body is not wanted any more.
        req.destroy()
      })
      res.on('error', reject)
    })
    // Before the whole answer is read, any connection error is a failure (a reset instead of the 413).
    req.on('error', reject)
    if (options.expectContinue === true) {
      req.on('continue', () => {
        sawContinue = true
        pump()
      })
      req.flushHeaders()
    } else {
      pump()
    }
  })
}

function assertTooLarge(received: Received, limit: number): void {
  assert.equal(received.status, 413, received.body)
  const body = JSON.parse(received.body) as { error: { message: string; type: string; param: unknown; code: string } }
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'])
  assert.equal(body.error.code, 'request_too_large')
  assert.equal(body.error.type, 'invalid_request_error')
  assert.match(body.error.message, new RegExp(`${limit}`))
}

test('a body larger than max_body_size, with Content-Length, gets a 413 the client really reads', async (t) => {
  const { upstream, gw } = await setup(t, 'max_body_size: 64KiB')
  // Far more than the socket buffers hold, so the client is still sending when the answer comes.
  const received = await upload(`${gw.baseURL}/chat/completions`, 48 * mib)
  assertTooLarge(received, 64 * 1024)
  assert.equal(upstream.requests.length, 0)
  const outcome = await gw.outcomeAt(0)
  assert.equal(outcome.status, 413)
  assert.equal(outcome.errorCode, 'request_too_large')
})

test('a chunked body that grows past max_body_size gets a 413 the client really reads', async (t) => {
  const { upstream, gw } = await setup(t, 'max_body_size: 64KiB')
  const received = await upload(`${gw.baseURL}/chat/completions`, 48 * mib, { chunked: true })
  assertTooLarge(received, 64 * 1024)
  assert.equal(upstream.requests.length, 0)
})

/**
 * A client that, like many HTTP libraries, writes its whole request before it reads anything: every byte must be
 * accepted (no EPIPE/ECONNRESET while sending) and the answer must then be there to read.
 */
function uploadAllThenRead(url: string, total: number, chunked: boolean): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port, pathname } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const received: Buffer[] = []
    let sentAll = false
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      if (!sentAll) return
      const text = Buffer.concat(received).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const head = text.slice(0, split)
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: text.slice(split + 4) })
    })
    const sendAll = async (): Promise<void> => {
      const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${total}`
      const write = (data: Buffer | string): Promise<void> =>
        new Promise((ok, fail) => socket.write(data, (error) => (error ? fail(error) : ok())))
      try {
        await write(
          `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${clientKey}\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`,
        )
        const piece = Buffer.alloc(256 * 1024, 0x20)
        for (let sent = 0; sent < total; sent += piece.length) {
          await write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece)
        }
        if (chunked) await write('0\r\n\r\n')
        sentAll = true
        // Done sending; a well-behaved client now waits for the server to close (it said connection: close).
        socket.end()
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    }
    socket.on('connect', () => void sendAll())
  })
}

for (const chunked of [false, true]) {
  test(`a client that sends its whole oversized body before reading still gets the 413 (${chunked ? 'chunked' : 'content-length'})`, async (t) => {
    const { upstream, gw } = await setup(t, 'max_body_size: 64KiB')
    const answer = await uploadAllThenRead(`${gw.baseURL}/chat/completions`, 16 * mib, chunked)
    assert.equal(answer.status, 413, answer.head)
    assert.match(answer.head, /\r\nconnection: close/i)
    const body = JSON.parse(answer.body) as { error: { code: string } }
    assert.equal(body.error.code, 'request_too_large')
    assert.equal(upstream.requests.length, 0)
  })
}

test('a body of exactly max_body_size passes; one byte more is refused', async (t) => {
  const { upstream, gw } = await setup(t, 'max_body_size: 1KiB')
  const fits = `{"model":"gpt-4o","pad":"${'x'.repeat(1024 - 27)}"}`
  assert.equal(Buffer.byteLength(fits), 1024)
  for (const chunked of [false, true]) {
    const ok = await post(gw, fits, chunked)
    assert.equal(ok.status, 200, `chunked=${chunked}`)
    const over = await post(gw, `${fits} `, chunked)
    assert.equal(over.status, 413, `chunked=${chunked}`)
  }
  assert.equal(upstream.requests.length, 2)
  assert.deepEqual(upstream.requests[0]?.body, Buffer.from(fits))
})

function post(gw: TestGateway, body: string, chunked: boolean): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' }
    if (!chunked) headers['content-length'] = String(Buffer.byteLength(body))
    const req = httpRequest(`${gw.baseURL}/chat/completions`, { method: 'POST', headers, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
    })
    req.on('error', reject)
    if (chunked) {
      // Two chunks, so the limit is checked across them.
      req.write(body.slice(0, 100))
      req.end(body.slice(100))
    } else {
      req.end(body)
    }
  })
}

test('with Expect: 100-continue a declared body over the limit gets the 413 before sending any of it', async (t) => {
  const { upstream, gw } = await setup(t, 'max_body_size: 64KiB')
  const received = await upload(`${gw.baseURL}/chat/completions`, 64 * 1024 + 1, { expectContinue: true })
  assertTooLarge(received, 64 * 1024)
  assert.equal(received.sawContinue, false)
  assert.equal(received.bytesSent, 0)
  assert.equal(upstream.requests.length, 0)
})

test('with Expect: 100-continue a body within the limit is invited and relayed', async (t) => {
  const { upstream, gw } = await setup(t, 'max_body_size: 64KiB')
  const received = await upload(`${gw.baseURL}/chat/completions`, 1000, { expectContinue: true })
  assert.equal(received.status, 200, received.body)
  assert.equal(received.sawContinue, true)
  assert.equal(upstream.requests[0]?.body.length, 1000)
})

test('the default limit is 32 MiB', async (t) => {
  const { gw } = await setup(t)
  // Declared sizes with Expect: 100-continue, so nothing large needs sending.
  const over = await upload(`${gw.baseURL}/chat/completions`, 32 * mib + 1, { expectContinue: true })
  assertTooLarge(over, 32 * mib)
  assert.equal(over.bytesSent, 0)
  const atLimit = await continueOrAnswer(`${gw.baseURL}/chat/completions`, 32 * mib)
  assert.equal(atLimit, 'continue')
})

/** Declares a size with Expect: 100-continue and reports whether the gateway invited the body or answered. */
function continueOrAnswer(url: string, declared: number): Promise<'continue' | number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${clientKey}`,
        'content-type': 'application/json',
        'content-length': String(declared),
        expect: '100-continue',
      },
    })
    req.on('continue', () => {
      resolve('continue')
      req.destroy()
    })
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0)
      req.destroy()
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}
