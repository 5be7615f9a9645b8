// model_fallbacks through the real gateway: a model whose candidates all failed, or whose upstream said the context is
// too long, is answered by its fallback model's candidates under their own names, and the client is told which.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { completion, json, openaiError, scriptedStream, streamOf, type FakeUpstream } from './helpers/fake-upstream.js'
import { attemptSummary, fakeUpstreamFor, finalErrorEvent, gatewayWith, postChat } from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-fallbacks'
const within = { timeout: 20_000 }
const modelHeader = 'x-openai-api-route-model'
const ask = (model: string, stream = false): unknown => ({ model, stream, messages: [{ role: 'user', content: 'Hello' }] })
const tooLong = openaiError(400, "This model's maximum context length is 8192 tokens.", 'invalid_request_error', 'context_length_exceeded')

interface Upstreams {
  readonly small: FakeUpstream
  readonly smallSpare: FakeUpstream
  readonly large: FakeUpstream
}

/** `small` is served by two upstreams, `large` by one that knows it as `large-2024`. */
async function setUp(
  t: TestContext,
  topLevel: readonly string[] = ['model_fallbacks: { small: [missing, large] }'],
): Promise<[TestGateway, Upstreams]> {
  const upstreams = {
    small: await fakeUpstreamFor(t, json(200, completion('from small', 'small'))),
    smallSpare: await fakeUpstreamFor(t, json(200, completion('from the spare', 'small'))),
    // An upstream's own header of that name is replaced, not repeated.
    large: await fakeUpstreamFor(t, json(200, completion('from large', 'large-2024'), { [modelHeader]: 'large-2024' })),
  }
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel,
    upstreams: [
      { name: 'small', endpoint: upstreams.small.endpoint, extra: ['allow: [small]'] },
      { name: 'small-spare', endpoint: upstreams.smallSpare.endpoint, extra: ['allow: [small]'] },
      { name: 'large', endpoint: upstreams.large.endpoint, extra: ['allow: [other]', 'models: { large: large-2024 }'] },
    ],
  })
  return [gateway, upstreams]
}

test('when every candidate of a model failed, its fallback model answers under its own name', within, async (t) => {
  const [gateway, upstreams] = await setUp(t)
  upstreams.small.script(openaiError(503, 'overloaded'))
  upstreams.smallSpare.script(openaiError(502, 'bad gateway'))
  const index = await gateway.nextOutcomeIndex()
  const response = await postChat(gateway, clientKey, ask('small'))
  assert.equal(response.status, 200)
  assert.equal(response.headers.get(modelHeader), 'large')
  assert.equal(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, 'from large')
  // The fallback's own upstream name, every other field as the client sent it.
  assert.deepEqual(upstreams.large.requests[0]?.json, {
    model: 'large-2024',
    stream: false,
    messages: [{ role: 'user', content: 'Hello' }],
  })
  const outcome = await gateway.outcomeAt(index)
  assert.equal(outcome.model, 'small')
  assert.equal(outcome.upstream, 'large')
  assert.equal(outcome.upstreamModel, 'large-2024')
  assert.equal(outcome.fallbackModel, 'large')
  assert.ok(gateway.logs.some((line) => line.includes('"fallbackModel":"large"')))
  assert.deepEqual(attemptSummary(outcome.attempts), [
    ['small', 'failed', 'upstream_status'],
    ['small-spare', 'failed', 'upstream_status'],
    ['large', 'ok', undefined],
  ])
  assert.deepEqual(
    outcome.attempts.map((a) => a.model),
    [undefined, undefined, 'large'],
  )
})

test('a 400 context_length_exceeded goes straight to the fallback model, skipping the model’s other candidates', within, async (t) => {
  const [gateway, upstreams] = await setUp(t)
  upstreams.small.script(tooLong)
  const response = await postChat(gateway, clientKey, ask('small'))
  assert.equal(response.status, 200)
  assert.equal(response.headers.get(modelHeader), 'large')
  assert.deepEqual([upstreams.small.requests.length, upstreams.smallSpare.requests.length, upstreams.large.requests.length], [1, 0, 1])
})

test('the requested model that answers is named too, and any other 400 is the client’s answer, byte for byte', within, async (t) => {
  const [gateway, upstreams] = await setUp(t)
  const ok = await postChat(gateway, clientKey, ask('small'))
  assert.equal(ok.status, 200)
  assert.equal(ok.headers.get(modelHeader), 'small')
  const invalid = { error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature', code: null } }
  upstreams.small.script(json(400, invalid))
  const refused = await postChat(gateway, clientKey, ask('small'))
  assert.equal(refused.status, 400)
  assert.equal(refused.headers.get(modelHeader), 'small')
  assert.equal(await refused.text(), JSON.stringify(invalid))
  assert.equal(upstreams.large.requests.length, 0)
})

test(
  'without a fallback left, the client gets the last answer: the context_length_exceeded 400 as the upstream sent it',
  within,
  async (t) => {
    const [gateway, upstreams] = await setUp(t, ['model_fallbacks: { small: [missing] }'])
    upstreams.small.script(tooLong)
    const index = await gateway.nextOutcomeIndex()
    const response = await postChat(gateway, clientKey, ask('small'))
    assert.equal(response.status, 400)
    assert.equal(response.headers.get(modelHeader), 'small')
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'context_length_exceeded')
    assert.equal(upstreams.smallSpare.requests.length, 0)
    assert.equal((await gateway.outcomeAt(index)).errorCode, 'upstream_context_length')
  },
)

test('a model without fallbacks keeps today’s behaviour: no fallback, and no header without model_fallbacks', within, async (t) => {
  const [gateway, upstreams] = await setUp(t, [])
  upstreams.small.script(tooLong)
  const response = await postChat(gateway, clientKey, ask('small'))
  assert.equal(response.status, 400)
  assert.equal(response.headers.get(modelHeader), null)
  assert.deepEqual([upstreams.smallSpare.requests.length, upstreams.large.requests.length], [0, 0])
})

test('a stream that fails after its commit point is never handed to a fallback model', within, async (t) => {
  const [gateway, upstreams] = await setUp(t)
  const words = streamOf(['Hello', 'there'], 'small')
  upstreams.small.script(scriptedStream([{ data: words[0] }, { data: words[1] }, 'reset']))
  const response = await postChat(gateway, clientKey, ask('small', true))
  assert.equal(response.status, 200)
  assert.equal(response.headers.get(modelHeader), 'small')
  assert.equal(finalErrorEvent(await response.text()).error.code, 'upstream_reset')
  assert.deepEqual([upstreams.smallSpare.requests.length, upstreams.large.requests.length], [0, 0])
})
