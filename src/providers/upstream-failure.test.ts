// toUpstreamError: an upstream's I/O failure gets the code that says what went wrong; the gateway's own exception,
// even one undici hands back from a callback, is internal_error and never fails over.
import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { errors } from 'undici'
import { json, completion, startFakeUpstream, type FakeUpstream } from '../../tests/helpers/fake-upstream.js'
import { chatRequest, RecordingSink, upstreamFrom } from '../../tests/helpers/recording-sink.js'
import { GatewayError } from '../errors/gateway-error.js'
import { UpstreamClients } from './upstream-clients.js'
import { OpenAIAdapter } from './openai/openai-adapter.js'
import { toUpstreamError } from './upstream-failure.js'

const withCode = (code: string, message = 'failed'): Error => Object.assign(new Error(message), { code })

test('I/O failures map by their code to a specific upstream code', () => {
  const cases: Array<[Error, string]> = [
    [withCode('ECONNREFUSED'), 'upstream_connect_error'],
    [withCode('ENOTFOUND'), 'upstream_connect_error'],
    [withCode('UND_ERR_CONNECT_TIMEOUT'), 'upstream_connect_error'],
    [withCode('CERT_HAS_EXPIRED'), 'upstream_connect_error'],
    [withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'upstream_connect_error'],
    [withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'upstream_connect_error'],
    [withCode('ECONNRESET'), 'upstream_reset'],
    [withCode('UND_ERR_SOCKET', 'other side closed'), 'upstream_reset'],
    [Object.assign(withCode('UND_ERR_SOCKET'), { cause: withCode('ECONNREFUSED') }), 'upstream_connect_error'],
    [withCode('ETIMEDOUT'), 'upstream_timeout'],
    [withCode('UND_ERR_HEADERS_TIMEOUT'), 'upstream_timeout'],
    [withCode('UND_ERR_BODY_TIMEOUT'), 'upstream_timeout'],
    [withCode('HPE_INVALID_CONSTANT', 'Expected HTTP/'), 'upstream_bad_response'],
    [withCode('UND_ERR_HEADERS_OVERFLOW'), 'upstream_bad_response'],
    [withCode('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'upstream_bad_response'],
    [new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), 'upstream_bad_response'],
    [withCode('EWHATEVER'), 'upstream_error'],
  ]
  for (const [error, code] of cases) {
    const mapped = toUpstreamError(error, 'primary')
    assert.equal(mapped.code, code, `${error.name} ${String((error as Error & { code?: string }).code)}`)
    assert.equal(mapped.retryable, true)
    assert.equal(mapped.cause, error)
  }
})

test("an exception without an I/O code, or undici refusing the gateway's own call, is internal_error: a 500 that never fails over", () => {
  const cases: unknown[] = [
    new TypeError("Cannot read properties of undefined (reading 'length')"),
    new RangeError('Invalid array length'),
    'a thrown string',
    withCode('ERR_INVALID_ARG_TYPE'),
    withCode('UND_ERR_INVALID_ARG'),
    withCode('UND_ERR_INVALID_RETURN_VALUE'),
  ]
  for (const error of cases) {
    const mapped = toUpstreamError(error, 'primary')
    assert.equal(mapped.code, 'internal_error', String(error))
    assert.equal(mapped.status, 500)
    assert.equal(mapped.retryable, false)
    assert.equal(mapped.cause, error)
    // What a client may read: nothing of the exception, and no upstream.
    assert.doesNotMatch(mapped.message, /properties|Invalid|thrown|ERR_|primary|\.js/)
  }
})

test('a GatewayError passes unchanged', () => {
  const error = new GatewayError('upstream_idle_timeout', 'idle')
  assert.equal(toUpstreamError(error, 'primary'), error)
})

let fake: FakeUpstream
let clients: UpstreamClients
before(async () => {
  fake = await startFakeUpstream(json(200, completion('hello')))
  clients = new UpstreamClients()
})
after(async () => {
  await clients.close()
  await fake.close()
})

/** A sink with a bug: it throws on the answer's first bytes, inside undici's callback. */
class ThrowingSink extends RecordingSink {
  override onResponseData(_chunk: Buffer): boolean {
    throw new TypeError('a bug in the sink')
  }
}

test("a sink that throws inside undici's callback gets internal_error back, not an upstream failure", async () => {
  const sink = new ThrowingSink()
  new OpenAIAdapter(clients).send(
    chatRequest({ model: 'gpt-4o-mini', messages: [] }),
    upstreamFrom('name: primary', `endpoint: ${fake.endpoint}`),
    sink,
  )
  const response = await sink.finished
  assert.equal(response.error?.code, 'internal_error')
  assert.equal(response.error?.retryable, false)
  assert.match(String((response.error?.cause as Error | undefined)?.stack), /a bug in the sink/)
})

/** A sink with a bug at the end of the answer, where undici has no request left to report an error to. */
class ThrowingAtEndSink extends RecordingSink {
  override onResponseEnd(): void {
    throw new TypeError('a bug at the end')
  }
}

test('a sink that throws at the end of the answer gets internal_error back instead of hanging', { timeout: 10_000 }, async () => {
  const sink = new ThrowingAtEndSink()
  new OpenAIAdapter(clients).send(
    chatRequest({ model: 'gpt-4o-mini', messages: [] }),
    upstreamFrom('name: primary', `endpoint: ${fake.endpoint}`),
    sink,
  )
  const response = await sink.finished
  assert.equal(response.error?.code, 'internal_error')
  assert.match(String((response.error?.cause as Error | undefined)?.message), /a bug at the end/)
})

test('an upstream that answers bytes that are not HTTP is upstream_bad_response, which fails over', { timeout: 10_000 }, async (t) => {
  const garbage = createServer((socket) => {
    socket.on('error', () => undefined)
    socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'))
  })
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve))
  t.after(() => garbage.close())
  const endpoint = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/v1`
  const sink = new RecordingSink()
  new OpenAIAdapter(clients).send(
    chatRequest({ model: 'gpt-4o-mini', messages: [] }),
    upstreamFrom('name: primary', `endpoint: ${endpoint}`),
    sink,
  )
  const response = await sink.finished
  assert.equal(response.error?.code, 'upstream_bad_response')
  assert.equal(response.error?.retryable, true)
  assert.match(response.error?.message ?? '', /not valid HTTP/)
})
