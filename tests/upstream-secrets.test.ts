// An upstream that echoes its own key (in www-authenticate, x- headers, error bodies, error events), in the forms
// serializers write it: the client sees none of them, and the records hold none.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { test } from 'node:test'
import OpenAI from 'openai'
import { chunk, eventText, type Behaviour, type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream.js'
import { eventually, startRecordingGateway } from './helpers/recording-gateway.js'

const clientKey = 'client-key-echo'
/** A key with the characters encoders treat differently: `/` (`\/`), `"` (`\"`), `&<>` (Go's `\u0026`), `+=` (URL). */
const upstreamKey = 'sk-echo/9f&Q+Z"k<>x=77'

/** The key as an upstream may write it; written out here by hand, not by the gateway's own code. */
const keyForms = [
  upstreamKey,
  'sk-echo/9f&Q+Z\\"k<>x=77', // JSON.stringify
  'sk-echo\\/9f&Q+Z\\"k<>x=77', // JSON with the slash escaped (PHP)
  'sk-echo/9f\\u0026Q+Z\\"k\\u003c\\u003ex=77', // Go's encoding/json
  'sk-echo/9f&Q+Z\\u0022k<>x=77', // an encoder that writes every quote as \u0022
  'sk-echo%2F9f%26Q%2BZ%22k%3C%3Ex%3D77', // encodeURIComponent
  'sk-echo%2f9f%26Q%2bZ%22k%3c%3ex%3d77', // lower-case percent escapes
]
// Each form is a different string, and none contains the plain key: the test looks for each on its own.
assert.equal(new Set(keyForms).size, keyForms.length)

/** A body that quotes the key in every form, as an OpenAI-shaped error. */
function echoingErrorBody(status: number): string {
  const plain = JSON.stringify({
    error: { message: `Incorrect API key provided: ${upstreamKey}`, type: 'invalid_request_error', param: null, code: `status_${status}` },
  })
  // Raw JSON text, so the escaped forms reach the wire exactly as written.
  const extra = keyForms
    .slice(1)
    .map((form, i) => `"form${i}":"${form}"`)
    .join(',')
  return `${plain.slice(0, -1)},${extra}}`
}

function echoingHeaders(): Record<string, string> {
  return {
    'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="bad key ${upstreamKey}"`,
    'x-echo-key': upstreamKey,
    'x-echo-url': `https://upstream.example/keys?k=${encodeURIComponent(upstreamKey)}`,
    'x-echo-json': JSON.stringify(upstreamKey),
  }
}

const echoingStatus =
  (status: number): Behaviour =>
  (_req, res: ServerResponse) => {
    const body = echoingErrorBody(status)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...echoingHeaders() })
    res.end(body)
  }

interface RawAnswer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: string[]
  readonly body: Buffer
}

function post(baseURL: string, body: unknown, requestId: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseURL}/chat/completions`,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

function assertNoKey(text: string, where: string): void {
  for (const form of keyForms) assert.ok(!text.includes(form), `${where} holds the key as ${form}: ${text}`)
}

/** `sk`: the upstream's key setting (`asis` sends the client's key, which the upstream then echoes). */
async function echoingSetup(t: { after: (fn: () => Promise<void>) => void }, behaviour: Behaviour, sk = upstreamKey) {
  const dir = await mkdtemp(join(tmpdir(), 'upstream-secrets-'))
  const upstream: FakeUpstream = await startFakeUpstream(behaviour)
  const yaml = [
    'dbtype: sqlite',
    `dbaddr: ${join(dir, 'records.sqlite')}`,
    `authorization: ${clientKey}`,
    'records: {flush_interval: 0.02}',
    'upstreams:',
    `  - name: echo`,
    `    sk: '${sk}'`,
    `    endpoint: ${upstream.endpoint}`,
    '',
  ].join('\n')
  const gateway = await startRecordingGateway(yaml)
  await gateway.recording.ready
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await gateway.shutdown(1000)
    await upstream.close()
  }
  t.after(async () => {
    await stop()
    await rm(dir, { recursive: true, force: true })
  })
  /** Every byte the records database holds (its WAL included), once the gateway has flushed and stopped. */
  const recordBytes = async (): Promise<string> => {
    await stop()
    const files = (await readdir(dir)).filter((name) => name.startsWith('records.sqlite'))
    assert.ok(files.length > 0)
    const bytes = await Promise.all(files.map((name) => readFile(join(dir, name))))
    return Buffer.concat(bytes).toString('latin1') + Buffer.concat(bytes).toString('utf8')
  }
  return { gateway, upstream, recordBytes }
}

const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }

test('the echoing upstream: 400, 404 and 422 answers reach the client without the key in any form, with a correct Content-Length', async (t) => {
  for (const status of [400, 404, 422]) {
    const { gateway, upstream, recordBytes } = await echoingSetup(t, echoingStatus(status))
    const answer = await post(gateway.baseURL, chatRequest, `echo-${status}`)

    assert.equal(upstream.requests.length, 1)
    assert.equal(answer.status, status)
    assertNoKey(answer.rawHeaders.join('\n'), `the ${status} answer's headers`)
    assertNoKey(answer.body.toString('utf8'), `the ${status} answer's body`)
    assert.equal(Number(answer.headers['content-length']), answer.body.length)
    // Still the upstream's own answer, with the key's place marked.
    const parsed = JSON.parse(answer.body.toString('utf8')) as { error: { message: string; code: string } }
    assert.equal(parsed.error.code, `status_${status}`)
    assert.equal(parsed.error.message, 'Incorrect API key provided: [redacted]')
    assert.equal(answer.headers['x-echo-key'], '[redacted]')
    assert.match(String(answer.headers['www-authenticate']), /^Bearer realm="api"/)

    assertNoKey(await recordBytes(), 'the records')
  }
})

test('the echoing upstream: a 401 (which fails over) and a 2xx answer echo it in vain too', async (t) => {
  const { gateway, recordBytes } = await echoingSetup(t, echoingStatus(401))
  const failed = await post(gateway.baseURL, chatRequest, 'echo-401')
  assert.equal(failed.status, 401)
  assertNoKey(failed.rawHeaders.join('\n'), "the 401 answer's headers")
  assertNoKey(failed.body.toString('utf8'), "the 401 answer's body")
  assertNoKey(await recordBytes(), 'the records')

  // A 2xx answer: its body is relayed as it is, but its headers are searched, and the records are cut.
  const ok = await echoingSetup(t, (_req, res) => {
    const body = JSON.stringify({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: `your key is ${upstreamKey}` }, finish_reason: 'stop' }],
    })
    res.writeHead(200, { 'content-type': 'application/json', ...echoingHeaders() })
    res.end(body)
  })
  const answered = await post(ok.gateway.baseURL, chatRequest, 'echo-200')
  assert.equal(answered.status, 200)
  assertNoKey(answered.rawHeaders.join('\n'), "the 200 answer's headers")
  assertNoKey(await ok.recordBytes(), 'the records')
})

test("the echoing upstream: its error event mid-stream reaches the client's SDK with its type and code, not its key", async (t) => {
  const { gateway, recordBytes } = await echoingSetup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...echoingHeaders() })
    res.write(eventText(chunk({ role: 'assistant', content: 'Hel' })))
    res.end(
      eventText({
        error: { message: `key ${upstreamKey} is out of quota`, type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
      }),
    )
  })
  const client = new OpenAI({ apiKey: clientKey, baseURL: gateway.baseURL, maxRetries: 0 })
  const { data: stream, response } = await client.chat.completions
    .create({ ...chatRequest, messages: [{ role: 'user', content: 'Hello' }], stream: true })
    .withResponse()
  assertNoKey([...response.headers.entries()].flat().join('\n'), "the stream's headers")
  let content = ''
  await assert.rejects(
    (async () => {
      for await (const part of stream) content += part.choices[0]?.delta.content ?? ''
    })(),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError)
      assert.equal(error.type, 'insufficient_quota')
      assert.equal(error.code, 'insufficient_quota')
      assertNoKey(error.message, 'the error event')
      assert.match(error.message, /\[redacted\]/)
      return true
    },
  )
  assert.equal(content, 'Hel')
  assertNoKey(await recordBytes(), 'the records')
})

test('the echoing upstream: an error body larger than what is held whole is cut of its key wherever reads split it', async (t) => {
  // 300 KB of text with the key every 997 bytes, so the key lands across read boundaries somewhere.
  const filler = 'x'.repeat(997 - upstreamKey.length)
  const body = `${filler}${upstreamKey}`.repeat(300)
  const { gateway, recordBytes } = await echoingSetup(t, (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain', ...echoingHeaders() })
    // Written in odd-sized pieces so the key is split between writes.
    let at = 0
    const write = (): void => {
      while (at < body.length) {
        const piece = body.slice(at, at + 4093)
        at += piece.length
        if (!res.write(piece)) {
          res.once('drain', write)
          return
        }
      }
      res.end()
    }
    write()
  })
  const answer = await post(gateway.baseURL, chatRequest, 'echo-large')
  assert.equal(answer.status, 404)
  const text = answer.body.toString('utf8')
  assertNoKey(text, 'the large body')
  assert.equal(text, `${filler}[redacted]`.repeat(300))
  assert.equal(answer.headers['content-length'], undefined)
  assertNoKey(await recordBytes(), 'the records')
})

/** An OpenAI-shaped error quoting the key, compressed as an upstream that ignores Accept-Encoding may send it. */
const compressedEcho =
  (status: number, encode: (body: Buffer) => Buffer, coding: string): Behaviour =>
  (req, res: ServerResponse) => {
    const body = encode(
      Buffer.from(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${upstreamKey} (${String(req.headers['accept-encoding'])})`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        }),
      ),
    )
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': coding, 'content-length': body.length })
    res.end(body)
  }

test('the echoing upstream: a compressed error body (though identity was asked for) is decoded and cut, whether relayed or kept for failover', async (t) => {
  for (const [status, encode, coding] of [
    [400, gzipSync, 'gzip'],
    [422, brotliCompressSync, 'br'],
    [401, gzipSync, 'gzip'],
  ] as const) {
    const { gateway, recordBytes } = await echoingSetup(t, compressedEcho(status, encode, coding))
    const answer = await post(gateway.baseURL, chatRequest, `echo-${coding}-${status}`)
    assert.equal(answer.status, status)
    // Relayed without the coding: the bytes are the readable, redacted body.
    assert.equal(answer.headers['content-encoding'], undefined)
    assert.equal(Number(answer.headers['content-length']), answer.body.length)
    const parsed = JSON.parse(answer.body.toString('utf8')) as { error: { message: string; code: string } }
    // The upstream was asked for identity, and the message is its own, with the key's place marked.
    assert.equal(parsed.error.message, 'Incorrect API key provided: [redacted] (identity)')
    assert.equal(parsed.error.code, 'invalid_api_key')
    assertNoKey(await recordBytes(), 'the records')
  }
})

test('the echoing upstream: a compressed error body the gateway cannot decode reaches the client as its own error, not as bytes', async (t) => {
  const { gateway } = await echoingSetup(t, (_req, res) => {
    // A coding the gateway does not know, with the key in the clear inside: nothing of it may be relayed.
    const body = `compressed? ${upstreamKey}`
    res.writeHead(404, {
      'content-type': 'application/octet-stream',
      'content-encoding': 'compress',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  })
  const answer = await post(gateway.baseURL, chatRequest, 'echo-compress')
  assert.equal(answer.status, 404)
  assert.equal(answer.headers['content-encoding'], undefined)
  assert.equal(answer.headers['content-type'], 'application/json')
  assertNoKey(answer.body.toString('latin1'), 'the answer')
  const parsed = JSON.parse(answer.body.toString('utf8')) as { error: { code: string } }
  assert.equal(parsed.error.code, 'upstream_status')
})

test('the echoing upstream: a header whose name holds the key is not relayed', async (t) => {
  const { gateway } = await echoingSetup(t, (_req, res) => {
    const body = JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } })
    res.writeHead(404, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [`x-key-${encodeURIComponent(upstreamKey)}`]: 'yes',
      'x-kept': 'kept',
    })
    res.end(body)
  })
  const answer = await post(gateway.baseURL, chatRequest, 'echo-header-name')
  assert.equal(answer.status, 404)
  assertNoKey(answer.rawHeaders.join('\n').toLowerCase(), "the answer's headers")
  assert.ok(!answer.rawHeaders.some((name) => name.toLowerCase().startsWith('x-key-')))
  assert.equal(answer.headers['x-kept'], 'kept')
})

test('the echoing upstream: an error event the stream never finishes (no blank line before its end) is cut of the key too', async (t) => {
  const { gateway, recordBytes } = await echoingSetup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'Hel' }))}\n\n`)
    res.end(
      `data: ${JSON.stringify({ error: { message: `key ${upstreamKey} is out of quota`, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } })}`,
    )
  })
  const answer = await post(gateway.baseURL, { ...chatRequest, stream: true }, 'echo-unfinished-event')
  const text = answer.body.toString('utf8')
  assertNoKey(text, 'the stream')
  assert.match(text, /"message":"key \[redacted\] is out of quota"/)
  assertNoKey(await recordBytes(), 'the records')
})

test("with sk: asis, an upstream that quotes the client's key in a 2xx answer leaves it out of the records", async (t) => {
  const { gateway, recordBytes } = await echoingSetup(
    t,
    (_req, res) => {
      const body = JSON.stringify({
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: `you sent ${clientKey}` }, finish_reason: 'stop' }],
      })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    },
    'asis',
  )
  const answer = await post(gateway.baseURL, chatRequest, 'echo-asis')
  assert.equal(answer.status, 200)
  await eventually(() => gateway.outcomes.length === 1, 'the outcome is observed')
  assert.equal(gateway.outcomes[0]?.responseText, 'you sent [redacted]')
  const records = await recordBytes()
  assert.ok(!records.includes(clientKey), 'the records hold the client key')
  assert.ok(records.includes('you sent [redacted]'))
})

test('the echoing upstream: a stream whose media type is written in capitals is read as a stream, its error event cut too', async (t) => {
  const { gateway } = await echoingSetup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'Text/Event-Stream; charset=utf-8' })
    res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'Hel' }))}\n\n`)
    res.end(
      `data: ${JSON.stringify({ error: { message: `key ${upstreamKey} is out of quota`, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } })}\n\n`,
    )
  })
  const answer = await post(gateway.baseURL, { ...chatRequest, stream: true }, 'echo-capital-stream')
  const text = answer.body.toString('utf8')
  assertNoKey(text, 'the stream')
  assert.match(text, /"message":"key \[redacted\] is out of quota"/)
})
