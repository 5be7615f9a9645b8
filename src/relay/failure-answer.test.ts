// failureAnswer: what the client gets when every attempt failed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { UpstreamAnswer } from './body-sink.js'
import { failureAnswer, interruptedStreamErrorBody } from './failure-answer.js'
import { redactorFor } from '../secrets/secret-redactor.js'
import { defaultHealthConfig } from '../config/to-gateway-config.js'

const upstreamKey = 'sk-upstream-secret-0123456789'

function upstream(overrides: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return {
    index: 0,
    name: 'primary',
    type: 'openai',
    endpoint: 'http://127.0.0.1:1/v1',
    credential: { kind: 'key', key: upstreamKey },
    firstByteTimeoutMs: 1000,
    streamFirstByteTimeoutMs: 1000,
    idleTimeoutMs: 1000,
    totalTimeoutMs: 0,
    maxEventBytes: 16 * 1024 * 1024,
    maxHeldBodyBytes: 8 * 1024 * 1024,
    basicAuth: undefined,
    allow: [],
    deny: [],
    clientKeys: [],
    noauth: true,
    keepHeader: false,
    allowedHosts: [],
    apiVersion: undefined,
    deployments: {},
    models: {},
    weight: 1,
    retries: 0,
    retryBackoffMs: 250,
    maxRetryWaitMs: 0,
    health: defaultHealthConfig,
    ...overrides,
  }
}

function answered(
  status: number,
  body: string,
  headers: string[] = ['content-type', 'application/json'],
): { error: GatewayError; answer: UpstreamAnswer } {
  return {
    error: new GatewayError('upstream_status', `upstream primary answered ${status}`, { status }),
    answer: { status, headers, body: Buffer.from(body) },
  }
}

function assertOpenAIErrorShape(body: Buffer): { message: string; type: string; param: null; code: string } {
  const parsed = JSON.parse(body.toString('utf8')) as { error: { message: string; type: string; param: null; code: string } }
  assert.deepEqual(Object.keys(parsed), ['error'])
  assert.deepEqual(Object.keys(parsed.error).sort(), ['code', 'message', 'param', 'type'])
  assert.equal(typeof parsed.error.message, 'string')
  assert.equal(typeof parsed.error.type, 'string')
  return parsed.error
}

test("the last upstream's OpenAI-shaped answer reaches the client with its status and body unchanged", () => {
  const body = '{"error":{"message":"The server is overloaded","type":"server_error","param":null,"code":"overloaded"}}'
  const { error, answer } = answered(503, body)
  const result = failureAnswer(error, answer, redactorFor(upstream()), 2)
  assert.equal(result.status, 503)
  assert.equal(result.body.toString('utf8'), body)
})

test("a body that is not an OpenAI error (an HTML 502 page) is wrapped into OpenAI's shape with the same status", () => {
  const { error, answer } = answered(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', ['content-type', 'text/html'])
  const result = failureAnswer(error, answer, redactorFor(upstream()), 1)
  assert.equal(result.status, 502)
  const wrapped = assertOpenAIErrorShape(result.body)
  assert.equal(wrapped.code, 'upstream_status')
  assert.equal(wrapped.type, 'server_error')
  assert.match(wrapped.message, /502/)
  assert.match(wrapped.message, /Bad Gateway/)
})

test('an empty error body is wrapped too', () => {
  const { error, answer } = answered(503, '')
  const result = failureAnswer(error, answer, redactorFor(upstream()), 1)
  assert.equal(result.status, 503)
  assert.equal(assertOpenAIErrorShape(result.body).code, 'upstream_status')
})

test("a JSON body without an error message is not OpenAI's shape and is wrapped", () => {
  const { error, answer } = answered(500, '{"detail":"Internal Server Error"}')
  const result = failureAnswer(error, answer, redactorFor(upstream()), 1)
  assert.equal(assertOpenAIErrorShape(result.body).code, 'upstream_status')
})

test('an upstream key echoed in the error body never reaches the client, OpenAI-shaped or not', () => {
  for (const body of [
    `{"error":{"message":"Incorrect API key provided: ${upstreamKey}.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
    `<html>Unauthorized key ${upstreamKey}</html>`,
    `${upstreamKey}`,
  ]) {
    const { error, answer } = answered(401, body)
    const result = failureAnswer(error, answer, redactorFor(upstream()), 1)
    assert.equal(result.status, 401)
    assert.ok(!result.body.toString('utf8').includes(upstreamKey), result.body.toString('utf8'))
    assertOpenAIErrorShape(result.body)
  }
})

test('rate-limit headers of a final 429 are kept, the upstream request id is renamed; framing, CORS and hop-by-hop headers are dropped', () => {
  const headers = [
    'content-type',
    'application/json',
    'content-length',
    '99',
    'transfer-encoding',
    'chunked',
    'connection',
    'keep-alive, x-hop',
    'x-hop',
    'one-connection-only',
    'keep-alive',
    'timeout=5',
    'access-control-allow-origin',
    'https://evil.example',
    'x-request-id',
    'req_upstream',
    'retry-after',
    '7',
    'x-ratelimit-limit-requests',
    '60',
    'x-ratelimit-remaining-requests',
    '0',
    'x-ratelimit-reset-requests',
    '7s',
  ]
  const { error, answer } = answered(
    429,
    '{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}',
    headers,
  )
  const result = failureAnswer(error, answer, redactorFor(upstream()), 3)
  assert.equal(result.status, 429)
  assert.deepEqual(result.headers, [
    'x-upstream-request-id',
    'req_upstream',
    'retry-after',
    '7',
    'x-ratelimit-limit-requests',
    '60',
    'x-ratelimit-remaining-requests',
    '0',
    'x-ratelimit-reset-requests',
    '7s',
  ])
})

test("no upstream answered: a timeout is 504 upstream_timeout in OpenAI's shape", () => {
  const error = new GatewayError('upstream_timeout', 'upstream primary did not answer within 0.3s')
  const result = failureAnswer(error, undefined, redactorFor(upstream()), 2)
  assert.equal(result.status, 504)
  assert.deepEqual(result.headers, [])
  const body = assertOpenAIErrorShape(result.body)
  assert.equal(body.code, 'upstream_timeout')
  assert.equal(body.type, 'server_error')
})

test('no upstream answered: connection failures are 502 with their own code', () => {
  const cases: Array<[GatewayError, string]> = [
    [new GatewayError('upstream_connect_error', 'upstream primary could not be reached (ECONNREFUSED)'), 'upstream_connect_error'],
    [new GatewayError('upstream_reset', 'upstream primary closed the connection (ECONNRESET)'), 'upstream_reset'],
    [new GatewayError('upstream_truncated', 'upstream primary ended its stream before sending anything'), 'upstream_truncated'],
    [new GatewayError('upstream_error', 'upstream primary failed: boom'), 'upstream_error'],
  ]
  for (const [error, code] of cases) {
    const result = failureAnswer(error, undefined, redactorFor(upstream()), 1)
    assert.equal(result.status, 502, code)
    assert.equal(assertOpenAIErrorShape(result.body).code, code)
  }
})

test('a gateway-made answer names no upstream and no key', () => {
  const named = upstream({ name: 'internal-host.corp:8443/v1' })
  for (const code of ['upstream_timeout', 'upstream_idle_timeout', 'upstream_connect_error', 'upstream_reset', 'upstream_error'] as const) {
    const error = new GatewayError(code, `upstream ${named.name} failed with key ${upstreamKey}`)
    const text = failureAnswer(error, undefined, redactorFor(named), 2).body.toString('utf8')
    assert.ok(!text.includes('internal-host'), text)
    assert.ok(!text.includes(upstreamKey), text)
  }
})

test('the error event for a stream broken after its commit point keeps the code and names no upstream or key', () => {
  const codes = [
    'upstream_timeout',
    'upstream_idle_timeout',
    'upstream_reset',
    'upstream_truncated',
    'upstream_error',
    'upstream_status',
  ] as const
  for (const code of codes) {
    const error = new GatewayError(code, `upstream internal-host.corp:8443/v1 failed with key ${upstreamKey}`)
    const event = (
      JSON.parse(interruptedStreamErrorBody(error, redactorFor(upstream()))) as { error: { code: string; type: string; message: string } }
    ).error
    assert.equal(event.code, code)
    assert.equal(event.type, 'server_error')
    assert.ok(!event.message.includes('internal-host') && !event.message.includes(upstreamKey), event.message)
  }
})

test("the upstream's own error reported mid-stream reaches the client with its type and code, its key cut out", () => {
  const reported = {
    message: `Overloaded; key ${JSON.stringify(upstreamKey).slice(1, -1)}`,
    type: 'overloaded_error',
    param: null,
    code: 'overloaded_error',
  }
  const error = new GatewayError('upstream_reported_error', 'upstream primary reported overloaded_error', { reported })
  const body = interruptedStreamErrorBody(error, redactorFor(upstream()))
  assert.deepEqual(JSON.parse(body), {
    error: { message: 'Overloaded; key [redacted]', type: 'overloaded_error', param: null, code: 'overloaded_error' },
  })
})

test("the gateway's own bug: a 500 internal_error before the commit point, an internal_error event after it, neither naming an upstream", () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'x') at /srv/gateway/dist/src/relay/attempt.js:12")
  const error = new GatewayError('internal_error', 'internal', { cause: bug })
  const answer = failureAnswer(error, undefined, redactorFor(upstream()), 2)
  assert.equal(answer.status, 500)
  const body = assertOpenAIErrorShape(answer.body)
  assert.equal(body.code, 'internal_error')
  assert.doesNotMatch(answer.body.toString('utf8'), /upstreams? failed|primary|TypeError|\.js/)
  const event = (
    JSON.parse(interruptedStreamErrorBody(error, redactorFor(upstream()))) as { error: { code: string; type: string; message: string } }
  ).error
  assert.equal(event.code, 'internal_error')
  assert.equal(event.type, 'server_error')
  assert.doesNotMatch(event.message, /upstream|primary|TypeError|\.js/)
})
