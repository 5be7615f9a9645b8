// The gateway's own bug on the request path, through the real gateway and the official client: a 500
// internal_error in OpenAI's shape that names nothing internal, the stack in the log under the request id, no
// upstream tried or blamed.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import OpenAI from 'openai'
import { completion, json, startFakeUpstream } from './helpers/fake-upstream.js'
import { chatRequest, gatewayYaml, postChat } from './helpers/scripted-gateway.js'
import { startTestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-internal'

/** A gateway whose injected randomness (`lb_policy: random`) throws: an exception in the middle of planning. */
async function buggyGateway(t: TestContext) {
  const upstream = await startFakeUpstream(json(200, completion('should not be asked')))
  t.after(() => upstream.close())
  const yaml = gatewayYaml({
    clientKey,
    topLevel: ['lb_policy: random'],
    upstreams: [
      { name: 'first', endpoint: upstream.endpoint },
      { name: 'second', endpoint: upstream.endpoint },
    ],
  })
  const random = (): number => {
    throw new RangeError('the random source broke')
  }
  const gateway = await startTestGateway(yaml, {}, { random })
  t.after(() => gateway.shutdown(1000))
  return { gateway, upstream }
}

test('an exception on the request path is a 500 internal_error, logged at error with its stack, with no upstream tried', async (t) => {
  const { gateway, upstream } = await buggyGateway(t)
  const response = await postChat(gateway, clientKey, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }, {})

  assert.equal(response.status, 500)
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
  const requestId = response.headers.get('x-request-id')
  assert.ok(requestId !== null && requestId !== '')
  const text = await response.text()
  const body = JSON.parse(text) as { error: Record<string, unknown> }
  assert.deepEqual(Object.keys(body.error), ['message', 'type', 'param', 'code'])
  assert.equal(body.error['type'], 'server_error')
  assert.equal(body.error['param'], null)
  assert.equal(body.error['code'], 'internal_error')
  // The client learns nothing internal: not the exception, not a file, not an upstream.
  assert.doesNotMatch(text, /RangeError|random source|\.js|\/work|first|second|at /)

  const lines = gateway.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
  const line = lines.find((l) => l['msg'] === 'internal error' && l['requestId'] === requestId)
  assert.equal(line?.['level'], 'error')
  assert.match(String(line?.['stack']), /RangeError: the random source broke\n\s+at /)

  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.status, 500)
  assert.equal(outcome.errorCode, 'internal_error')
  assert.deepEqual(outcome.attempts, [])
  assert.equal(upstream.requests.length, 0)
})

test('the official client raises its InternalServerError with code internal_error', async (t) => {
  const { gateway } = await buggyGateway(t)
  const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: clientKey, maxRetries: 0 })
  await assert.rejects(client.chat.completions.create(chatRequest), (error: unknown) => {
    assert.ok(error instanceof OpenAI.InternalServerError)
    assert.equal(error.status, 500)
    assert.equal(error.code, 'internal_error')
    assert.equal(error.type, 'server_error')
    return true
  })
})
