// The official openai SDK against the real gateway: what applications actually run, errors included.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import OpenAI from 'openai'
import { completion, json, sse, streamOf, type FakeUpstream } from './helpers/fake-upstream.js'
import { fakeUpstreamFor, openaiClientFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-sdk'

async function setup(t: TestContext): Promise<{ upstream: FakeUpstream; gw: TestGateway; client: OpenAI }> {
  const upstream = await fakeUpstreamFor(t)
  const gw = await startTestGateway(
    `authorization: ${clientKey}\nupstreams:\n  - { sk: sk-upstream-sdk, endpoint: "${upstream.endpoint}", allow: [gpt-4o-mini, /v1/models] }\n`,
  )
  t.after(() => gw.shutdown(1000))
  return { upstream, gw, client: openaiClientFor(gw, clientKey) }
}

const messages = [{ role: 'user' as const, content: 'Say hello' }]

test('chat.completions.create without streaming returns the completion', async (t) => {
  const { upstream, client } = await setup(t)
  upstream.script(json(200, completion('Hello there!'), { 'x-request-id': 'req_up_1' }))
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()
  assert.equal(data.choices[0]?.message.content, 'Hello there!')
  assert.equal(data.usage?.total_tokens, 7)
  assert.equal(response.headers.get('x-upstream-request-id'), 'req_up_1')
  assert.equal(upstream.requests[0]?.headers['authorization'], 'Bearer sk-upstream-sdk')
  assert.deepEqual((upstream.requests[0]?.json as { messages: unknown }).messages, messages)
})

test('chat.completions.create with stream: true yields every chunk through for await', async (t) => {
  const { upstream, client } = await setup(t)
  const words = ['Hel', 'lo', ', ', 'world', '!']
  upstream.script(sse(streamOf(words), { gapMs: 2 }))
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
  let text = ''
  let finish: string | null | undefined
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    finish = chunk.choices[0]?.finish_reason ?? finish
  }
  assert.equal(text, words.join(''))
  assert.equal(finish, 'stop')
})

test('models.list pages through the models the upstream lists', async (t) => {
  const { upstream, client } = await setup(t)
  const models = ['gpt-4o-mini', 'gpt-4o', 'whisper-1'].map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'openai' }))
  upstream.script(json(200, { object: 'list', data: models }))
  const ids: string[] = []
  for await (const model of client.models.list()) ids.push(model.id)
  assert.deepEqual(ids, ['gpt-4o-mini', 'gpt-4o', 'whisper-1'])
  assert.equal(upstream.requests[0]?.method, 'GET')
  assert.equal(upstream.requests[0]?.url, '/v1/models')
})

test("a key the gateway does not know raises the SDK's AuthenticationError", async (t) => {
  const { upstream, gw } = await setup(t)
  const stranger = openaiClientFor(gw, 'not-a-client-key')
  const error = await stranger.chat.completions.create({ model: 'gpt-4o-mini', messages }).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof OpenAI.AuthenticationError, String(error))
  assert.equal(error.status, 401)
  assert.equal(error.code, 'invalid_api_key')
  assert.equal(error.type, 'invalid_request_error')
  assert.match(error.requestID ?? '', /^[0-9a-f-]{36}$/)
  assert.equal(upstream.requests.length, 0)
})

test("a model no upstream serves raises the SDK's NotFoundError", async (t) => {
  const { upstream, client } = await setup(t)
  const error = await client.chat.completions.create({ model: 'gpt-imaginary', messages }).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof OpenAI.NotFoundError, String(error))
  assert.equal(error.status, 404)
  assert.equal(error.code, 'model_not_found')
  assert.equal(error.param, 'model')
  assert.equal(upstream.requests.length, 0)
})

test('a streamed request refused by the gateway raises before any chunk', async (t) => {
  const { gw } = await setup(t)
  const stranger = openaiClientFor(gw, 'not-a-client-key')
  await assert.rejects(stranger.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }), OpenAI.AuthenticationError)
})
