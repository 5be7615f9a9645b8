// Failover through the real gateway: which upstream failures move on to the next upstream, which answers
// are the client's, what the client gets when every upstream failed, and what the outcome records.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { test, type TestContext } from 'node:test'
import OpenAI from 'openai'
import type { AttemptRecord } from '../src/outcome/request-outcome.js'
import { completion, hang, json, openaiError, reset, type Behaviour } from './helpers/fake-upstream.js'
import { chatRequest, fakeUpstreamFor, gatewayWith, openaiClientFor, postChat } from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'
import { refusedEndpoint } from './helpers/refused-endpoint.js'

const clientKey = 'client-key-failover'
/** A deadline that is not honoured must fail the test, not hang it. */
const within = { timeout: 20_000 }
const upstreamKeys = {
  first: 'sk-first-upstream-secret-1111',
  second: 'sk-second-upstream-secret-2222',
  third: 'sk-third-upstream-secret-3333',
}
type UpstreamName = keyof typeof upstreamKeys

interface UpstreamSpec {
  readonly name: UpstreamName
  readonly endpoint: string
  /** Extra YAML keys for this upstream, e.g. `timeout: 0.3`. */
  readonly extra?: readonly string[]
}

/** Each upstream gets its own secret key, so a test can look for the keys where they must not be. */
function gatewayFor(t: TestContext, upstreams: readonly UpstreamSpec[], topLevel: readonly string[] = []): Promise<TestGateway> {
  return gatewayWith(t, { clientKey, topLevel, upstreams: upstreams.map((upstream) => ({ ...upstream, sk: upstreamKeys[upstream.name] })) })
}

function summary(attempts: readonly AttemptRecord[]): Array<Pick<AttemptRecord, 'upstream' | 'outcome' | 'status' | 'errorCode'>> {
  return attempts.map(({ upstream, outcome, status, errorCode }) => ({ upstream, outcome, status, errorCode }))
}

function assertOpenAIError(body: unknown, code: string): { message: string; type: string; param: unknown; code: string } {
  assert.equal(typeof body, 'object')
  const error = (body as { error: { message: string; type: string; param: unknown; code: string } }).error
  assert.deepEqual(Object.keys(body as object), ['error'])
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'])
  assert.equal(typeof error.message, 'string')
  assert.equal(error.code, code)
  return error
}

// ---- Failures that move on to the next upstream ----

interface FailoverRow {
  readonly name: string
  /** undefined: connection refused. */
  readonly behaviour: Behaviour | undefined
  readonly extra?: readonly string[]
  readonly status: number | undefined
  readonly errorCode: string
}

const failoverRows: FailoverRow[] = [
  { name: 'connection refused', behaviour: undefined, status: undefined, errorCode: 'upstream_connect_error' },
  { name: 'connection reset before any answer', behaviour: reset(), status: undefined, errorCode: 'upstream_reset' },
  { name: 'no first byte within timeout', behaviour: hang(), extra: ['timeout: 0.3'], status: undefined, errorCode: 'upstream_timeout' },
  ...[408, 429, 500, 502, 503].map((status) => ({
    name: `status ${status}`,
    behaviour: openaiError(status, `first failed with ${status}`),
    status,
    errorCode: 'upstream_status',
  })),
  ...[401, 403].map((status) => ({
    name: `status ${status} (the upstream refused its own key)`,
    behaviour: openaiError(status, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'),
    status,
    errorCode: 'upstream_status',
  })),
]

for (const row of failoverRows) {
  test(`${row.name} from the first upstream: the next upstream answers`, within, async (t) => {
    const first = row.behaviour === undefined ? undefined : await fakeUpstreamFor(t, row.behaviour)
    const second = await fakeUpstreamFor(t, json(200, completion('from second')))
    const gateway = await gatewayFor(t, [
      { name: 'first', endpoint: first?.endpoint ?? (await refusedEndpoint()), extra: row.extra ?? [] },
      { name: 'second', endpoint: second.endpoint },
    ])

    const answer = await openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)

    assert.equal(answer.choices[0]?.message.content, 'from second')
    assert.equal(first?.requests.length ?? 1, 1)
    assert.equal(second.requests.length, 1)
    const outcome = await gateway.outcomeAt(0)
    assert.equal(outcome.status, 200)
    assert.equal(outcome.upstream, 'second')
    assert.deepEqual(summary(outcome.attempts), [
      { upstream: 'first', outcome: 'failed', status: row.status, errorCode: row.errorCode },
      { upstream: 'second', outcome: 'ok', status: 200, errorCode: undefined },
    ])
  })
}

// ---- Answers that are the client's own ----

for (const status of [400, 404, 413, 422]) {
  test(
    `status ${status} from an upstream is the client's answer: status and body bytes as is, no other upstream tried`,
    within,
    async (t) => {
      // Odd spacing and a trailing newline: the bytes must pass untouched, not be re-serialised.
      const body = `{ "error" : {"message":"upstream says ${status}", "type":"invalid_request_error","param":"messages","code":null} }\n`
      const first = await fakeUpstreamFor(t, json(status, body))
      const second = await fakeUpstreamFor(t, json(200, completion('must not be asked')))
      const gateway = await gatewayFor(t, [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ])

      const response = await postChat(gateway, clientKey, chatRequest)

      assert.equal(response.status, status)
      assert.equal(Buffer.from(await response.arrayBuffer()).toString('utf8'), body)
      assert.equal(second.requests.length, 0)
      const outcome = await gateway.outcomeAt(0)
      assert.equal(outcome.status, status)
      assert.deepEqual(
        summary(outcome.attempts).map((a) => [a.upstream, a.status]),
        [['first', status]],
      )
    },
  )
}

test('the official client sees a 400 from the upstream as its own BadRequestError', within, async (t) => {
  const first = await fakeUpstreamFor(t, openaiError(400, "Invalid value for 'temperature'", 'invalid_request_error', 'invalid_value'))
  const second = await fakeUpstreamFor(t)
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])

  await assert.rejects(openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError)
    assert.equal(error.code, 'invalid_value')
    assert.match(error.message, /temperature/)
    return true
  })
  assert.equal(second.requests.length, 0)
})

// ---- Order ----

test('lb_policy order tries the upstreams in config order, and the outcome lists every attempt', within, async (t) => {
  const asked: string[] = []
  const recording =
    (name: string, then: Behaviour): Behaviour =>
    (req, res) => {
      asked.push(name)
      return then(req, res)
    }
  const first = await fakeUpstreamFor(t, recording('first', openaiError(500, 'first broke')))
  const second = await fakeUpstreamFor(t, recording('second', reset()))
  const third = await fakeUpstreamFor(t, recording('third', json(200, completion('from third'))))
  const gateway = await gatewayFor(
    t,
    [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
      { name: 'third', endpoint: third.endpoint },
    ],
    ['lb_policy: order'],
  )

  for (let i = 0; i < 3; i++) {
    const answer = await openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)
    assert.equal(answer.choices[0]?.message.content, 'from third')
  }

  assert.deepEqual(asked, ['first', 'second', 'third', 'first', 'second', 'third', 'first', 'second', 'third'])
  for (let i = 0; i < 3; i++) {
    const outcome = await gateway.outcomeAt(i)
    assert.deepEqual(summary(outcome.attempts), [
      { upstream: 'first', outcome: 'failed', status: 500, errorCode: 'upstream_status' },
      { upstream: 'second', outcome: 'failed', status: undefined, errorCode: 'upstream_reset' },
      { upstream: 'third', outcome: 'ok', status: 200, errorCode: undefined },
    ])
    assert.deepEqual(
      outcome.attempts.map((a) => a.upstreamIndex),
      [0, 1, 2],
    )
  }
})

// ---- Every upstream failed ----

test("every upstream failed: the client gets the last upstream's status and OpenAI-shaped body", within, async (t) => {
  const lastBody = '{"error":{"message":"The engine is currently overloaded","type":"server_error","param":null,"code":"overloaded"}}'
  const first = await fakeUpstreamFor(t, openaiError(500, 'first broke'))
  const second = await fakeUpstreamFor(t, json(503, lastBody))
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])

  const response = await postChat(gateway, clientKey, chatRequest)

  assert.equal(response.status, 503)
  assert.equal(await response.text(), lastBody)
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.status, 503)
  assert.deepEqual(summary(outcome.attempts), [
    { upstream: 'first', outcome: 'failed', status: 500, errorCode: 'upstream_status' },
    { upstream: 'second', outcome: 'failed', status: 503, errorCode: 'upstream_status' },
  ])
})

test(
  "every upstream failed and the last one answered with an HTML page: wrapped into OpenAI's error shape with its status",
  within,
  async (t) => {
    const html =
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>'
    const first = await fakeUpstreamFor(t, reset())
    const second = await fakeUpstreamFor(t, (_req, res: ServerResponse) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end(html)
    })
    const gateway = await gatewayFor(t, [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ])

    const response = await postChat(gateway, clientKey, chatRequest)

    assert.equal(response.status, 502)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    const error = assertOpenAIError(await response.json(), 'upstream_status')
    assert.match(error.message, /502 Bad Gateway/)

    await assert.rejects(openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest), (thrown: unknown) => {
      assert.ok(thrown instanceof OpenAI.APIError)
      assert.equal(thrown.status, 502)
      assert.equal(thrown.code, 'upstream_status')
      return true
    })
  },
)

test("no upstream could be reached: 502 in OpenAI's error shape, from the upstream_error family", within, async (t) => {
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: await refusedEndpoint() },
    { name: 'second', endpoint: await refusedEndpoint() },
  ])

  const response = await postChat(gateway, clientKey, chatRequest)

  assert.equal(response.status, 502)
  const error = assertOpenAIError(await response.json(), 'upstream_connect_error')
  assert.equal(error.type, 'server_error')
  assert.equal(error.param, null)
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'upstream_connect_error')
  assert.deepEqual(
    summary(outcome.attempts).map((a) => [a.upstream, a.outcome, a.errorCode]),
    [
      ['first', 'failed', 'upstream_connect_error'],
      ['second', 'failed', 'upstream_connect_error'],
    ],
  )
})

test("no upstream answered in time: 504 upstream_timeout in OpenAI's error shape", within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await fakeUpstreamFor(t, hang())
  const gateway = await gatewayFor(
    t,
    [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
    ['timeout: 0.3'],
  )

  const response = await postChat(gateway, clientKey, chatRequest)

  assert.equal(response.status, 504)
  const error = assertOpenAIError(await response.json(), 'upstream_timeout')
  assert.equal(error.type, 'server_error')
  assert.doesNotMatch(error.message, /first|second|127\.0\.0\.1/)
  await first.requests[0]?.aborted
  await second.requests[0]?.aborted
})

test('a final 429 keeps its Retry-After and x-ratelimit headers for the client', within, async (t) => {
  const rateLimited = json(
    429,
    { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    {
      'retry-after': '7',
      'retry-after-ms': '7000',
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '7s',
    },
  )
  const first = await fakeUpstreamFor(t, openaiError(503, 'first overloaded'))
  const second = await fakeUpstreamFor(t, rateLimited)
  const gateway = await gatewayFor(t, [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ])

  await assert.rejects(openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest), (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError)
    assert.equal(error.status, 429)
    assert.equal(error.code, 'rate_limit_exceeded')
    assert.equal(error.headers?.get('retry-after'), '7')
    assert.equal(error.headers?.get('retry-after-ms'), '7000')
    assert.equal(error.headers?.get('x-ratelimit-limit-requests'), '60')
    assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0')
    assert.equal(error.headers?.get('x-ratelimit-reset-requests'), '7s')
    return true
  })
})

test('an upstream key echoed in an error body never reaches the client', within, async (t) => {
  const echoJson: Behaviour = (req, res) => {
    const key = String(req.headers.authorization).replace(/^Bearer /, '')
    return json(401, {
      error: {
        message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    })(req, res)
  }
  const echoHtml: Behaviour = (req, res) => {
    res.writeHead(403, { 'content-type': 'text/html' })
    res.end(`<html><body>Forbidden: ${String(req.headers.authorization)}</body></html>`)
  }
  for (const last of [echoJson, echoHtml]) {
    const first = await fakeUpstreamFor(t, echoJson)
    const second = await fakeUpstreamFor(t, last)
    const gateway = await gatewayFor(t, [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ])

    const response = await postChat(gateway, clientKey, chatRequest)
    const text = await response.text()

    assert.ok(response.status === 401 || response.status === 403, String(response.status))
    assert.equal(second.requests[0]?.headers.authorization, `Bearer ${upstreamKeys.second}`, 'the fake did receive the key it echoes')
    const everything = `${text}\n${JSON.stringify([...response.headers])}`
    for (const key of Object.values(upstreamKeys)) assert.ok(!everything.includes(key), `the client saw an upstream key: ${everything}`)
    assertOpenAIError(JSON.parse(text), response.status === 401 ? 'invalid_api_key' : 'upstream_status')
  }
})

// ---- Large bodies ----

test('a 5 MB non-stream answer passes through byte-identical', within, async (t) => {
  const payload = randomBytes(5 * 1024 * 1024)
  const first = await fakeUpstreamFor(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length })
    res.end(payload)
  })
  const gateway = await gatewayFor(t, [{ name: 'first', endpoint: first.endpoint }])

  const response = await postChat(gateway, clientKey, chatRequest)

  assert.equal(response.status, 200)
  const received = Buffer.from(await response.arrayBuffer())
  assert.equal(received.length, payload.length)
  assert.ok(received.equals(payload), 'the body differs from what the upstream sent')
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, undefined)
})
