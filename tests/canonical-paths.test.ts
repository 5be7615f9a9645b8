// No path leaves its endpoint, through the real gateway: dot segments (raw or escaped, any case), escaped
// slashes and backslashes are refused with 400 before routing, the upstream gets the canonical path, and
// TRACE, TRACK and CONNECT are refused with 405.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { completion, json, type FakeUpstream } from './helpers/fake-upstream.js'
import { rawExchange, type RawAnswer } from './helpers/raw-connection.js'
import { fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

async function setup(t: TestContext): Promise<{ gw: TestGateway; upstream: FakeUpstream; azureLike: FakeUpstream }> {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const azureLike = await fakeUpstreamFor(t, json(200, { object: 'list', data: [] }))
  const gw = await startTestGateway(
    [
      'authorization: member-key',
      'upstreams:',
      `  - { sk: sk-up, endpoint: "http://127.0.0.1:${upstream.port}/openai/v1", deny: [/v1/files] }`,
      `  - { sk: sk-other, endpoint: "${azureLike.endpoint}", allow: [/v1/models] }`,
    ].join('\n'),
  )
  t.after(() => gw.shutdown(1000))
  return { gw, upstream, azureLike }
}

function get(gw: TestGateway, target: string, method = 'GET'): Promise<RawAnswer> {
  return rawExchange(gw.url, `${method} ${target} HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer member-key\r\n\r\n`)
}

function assertError(answer: RawAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body)
  const body = JSON.parse(answer.body) as { error: Record<string, unknown> }
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'])
  assert.equal(body.error['code'], code)
  assert.equal(body.error['type'], 'invalid_request_error')
  assert.ok(answer.headers['x-request-id'])
}

test('dot segments, escaped slashes, backslashes and fragments are refused with 400 before routing', async (t) => {
  const { gw, upstream, azureLike } = await setup(t)
  const attacks = [
    '/v1/../../admin',
    '/v1/../v1/files',
    '/v1/models/../../admin',
    '/v1/./files',
    '/v1/%2e%2e/%2e%2e/admin',
    '/v1/%2E%2E/%2E%2E/admin',
    '/v1/%2e%2E/admin',
    '/v1/.%2e/admin',
    '/v1/%2E./admin',
    '/v1/files%2f..%2f..%2fadmin',
    '/v1/files%2F..%2Fadmin',
    '/v1/%5c..%5cadmin',
    '/v1/%5C..%5Cadmin',
    '/v1\\..\\admin',
    '/v1/files\\..\\..\\admin',
    '/v1/%252e%252e/admin',
    '/v1/..;/admin',
    '/healthz/..',
    '/v1/files#/../../admin',
    '/v1/models?after=x#/../admin',
  ]
  for (const target of attacks) assertError(await get(gw, target), 400, 'invalid_path')
  assertError(await get(gw, '/v1/../../admin?x=1', 'POST'), 400, 'invalid_path')
  assert.equal(upstream.requests.length, 0)
  assert.equal(azureLike.requests.length, 0)
})

test('the upstream gets the canonical path under its endpoint, and allow/deny see that path', async (t) => {
  const { gw, upstream, azureLike } = await setup(t)
  const models = await get(gw, '/v1//m%6fdels?limit=2')
  assert.equal(models.status, 200, models.body)
  assert.equal(upstream.requests.at(-1)?.url, '/openai/v1/models?limit=2')
  // An escaped letter does not slip a path past deny: /v1/fil%65s is /v1/files, denied on the first upstream
  // and not allowed on the second.
  assertError(await get(gw, '/v1/fil%65s'), 404, 'model_not_found')
  assertError(await get(gw, '/v1//files'), 404, 'model_not_found')
  assert.equal(upstream.requests.length, 1)
  assert.equal(azureLike.requests.length, 0)
})

test('TRACE, TRACK and CONNECT are refused with 405 and an Allow header', async (t) => {
  const { gw, upstream } = await setup(t)
  for (const [method, target] of [
    ['TRACE', '/v1/models'],
    ['TRACE', '/healthz'],
    ['TRACK', '/v1/models'],
    ['CONNECT', 'example.com:443'],
  ] as const) {
    const answer = await get(gw, target, method)
    assertError(answer, 405, 'method_not_allowed')
    assert.match(answer.headers['allow'] ?? '', /GET/, method)
    assert.doesNotMatch(answer.headers['allow'] ?? '', /TRACE|CONNECT/, method)
  }
  assert.equal(upstream.requests.length, 0)
  // Ordinary methods still pass.
  assert.equal((await get(gw, '/v1/models')).status, 200)
})

test('a path entry holds against every spelling an upstream may read as its path: case, trailing slash, `;` parameters', async (t) => {
  const azure = await fakeUpstreamFor(t, json(200, { object: 'list', data: [] }))
  const open = await fakeUpstreamFor(t, json(200, { object: 'list', data: [] }))
  const gw = await startTestGateway(
    [
      'authorization: member-key',
      'upstreams:',
      // Azure routes paths without regard to case; servlet containers drop `;` parameters; many frameworks ignore a trailing slash.
      `  - { sk: sk-azure, endpoint: "http://127.0.0.1:${azure.port}/openai", type: azure, api_version: 2024-10-21, deny: [/v1/files] }`,
      `  - { sk: sk-open, endpoint: "${open.endpoint}", noauth: true, deny: [/v1/files, "/v1/fil%65s/file-1"] }`,
    ].join('\n'),
  )
  t.after(() => gw.shutdown(1000))
  for (const target of ['/v1/files/', '/v1/Files', '/v1/FILES/', '/v1/files;x=1', '/v1/files;/', '/v1/fil%45s']) {
    assertError(await get(gw, target), 404, 'model_not_found')
    const anonymous = await rawExchange(gw.url, `GET ${target} HTTP/1.1\r\nhost: gw\r\n\r\n`)
    assertError(anonymous, 401, 'invalid_api_key')
  }
  // An entry written with an escape matches the canonical path.
  assertError(await rawExchange(gw.url, 'GET /v1/files/File-1/ HTTP/1.1\r\nhost: gw\r\n\r\n'), 401, 'invalid_api_key')
  assert.equal(azure.requests.length, 0)
  assert.equal(open.requests.length, 0)
  // Other paths still pass, as sent.
  assert.equal((await get(gw, '/v1/files/file-2')).status, 200)
  assert.equal(azure.requests.at(-1)?.url, '/openai/files/file-2?api-version=2024-10-21')
})

test('an absolute-form target is served by its path, which is made canonical or refused like any other; `*` is refused', async (t) => {
  const { gw, upstream } = await setup(t)
  const models = await get(gw, 'http://gw.example/v1//m%6fdels?limit=2')
  assert.equal(models.status, 200, models.body)
  assert.equal(upstream.requests.at(-1)?.url, '/openai/v1/models?limit=2')
  assertError(await get(gw, 'http://gw.example/v1/../../admin'), 400, 'invalid_path')
  assertError(await get(gw, 'http://gw.example/v1/files'), 404, 'model_not_found')
  const asterisk = await get(gw, '*', 'OPTIONS')
  assertError(asterisk, 400, 'invalid_path')
  assert.match((JSON.parse(asterisk.body) as { error: { message: string } }).error.message, /must be a path/)
  assert.equal(upstream.requests.length, 1)
})
