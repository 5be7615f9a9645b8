// The official openai client through the real gateway to a Replicate upstream (a fake predictions API on 127.0.0.1):
// answers by polling and by stream, failed predictions and refused URLs failing over, and the polling deadline.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import OpenAI from 'openai'
import { completion, json, sse, startFakeUpstream, streamOf, type FakeUpstream } from './helpers/fake-upstream.js'
import { fakeReplicate, outputEvents, succeeded } from './helpers/replicate-wire.js'
import { waitFor } from './helpers/wait-for.js'
import { gatewayYaml, openaiClientFor, streamedText } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key'
const model = 'mistralai/mixtral-8x7b-instruct-v0.1'
const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Tell me a story' },
]
let replicate: FakeUpstream
let openai: FakeUpstream
let gateway: TestGateway
let client: OpenAI

before(async () => {
  replicate = await startFakeUpstream()
  openai = await startFakeUpstream()
  gateway = await startTestGateway(
    gatewayYaml({
      clientKey,
      topLevel: ['dbtype: none'],
      upstreams: [
        { name: 'replicate', sk: 'r8_key', endpoint: replicate.endpoint, extra: ['type: replicate', 'deny: [slow/model]'] },
        { name: 'openai', sk: 'sk-openai', endpoint: openai.endpoint, extra: ['deny: [slow/model]'] },
        {
          name: 'replicate-slow',
          sk: 'r8_key',
          endpoint: replicate.endpoint,
          extra: ['type: replicate', 'timeout: 0.3', 'allow: [slow/model]'],
        },
      ],
    }),
  )
  client = openaiClientFor(gateway, clientKey)
})
after(async () => {
  await gateway.shutdown(1000)
  await replicate.close()
  await openai.close()
})

test('non-stream: the prediction is polled and answered as a chat completion', async () => {
  replicate.script(fakeReplicate(replicate, { polls: [{ status: 'processing' }, succeeded(['Once', ' upon a time.'], 31, 5)] }))
  const answer = await client.chat.completions.create({ model, messages })
  assert.equal(answer.choices[0]?.message.content, 'Once upon a time.')
  assert.deepEqual(answer.usage, { prompt_tokens: 31, completion_tokens: 5, total_tokens: 36 })
  const created = replicate.requests.find((r) => r.method === 'POST')
  assert.equal((created?.json as { input: { prompt: string } }).input.prompt, '<s> [INST] You are terse.\n\nTell me a story [/INST] ')
})

test('stream: output events arrive as chunks, with usage when asked for', async () => {
  replicate.script(fakeReplicate(replicate, { stream: outputEvents(['Once', ' upon', ' a time.']), polls: [succeeded(['x'], 31, 3)] }))
  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } })
  const pieces: string[] = []
  let usage: OpenAI.CompletionUsage | null | undefined
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content
    if (content) pieces.push(content)
    if (chunk.usage) usage = chunk.usage
  }
  assert.deepEqual(pieces, ['Once', ' upon', ' a time.'])
  assert.equal(usage?.total_tokens, 34)
})

test('a failed prediction is a failed attempt: the next upstream answers', async () => {
  replicate.script(fakeReplicate(replicate, { polls: [{ status: 'failed', error: 'CUDA out of memory' }] }))
  openai.script(json(200, completion('from openai', model)))
  const count = await gateway.nextOutcomeIndex()
  const answer = await client.chat.completions.create({ model, messages })
  assert.equal(answer.choices[0]?.message.content, 'from openai')
  const outcome = await gateway.outcomeAt(count)
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.outcome, a.status]),
    [
      ['replicate', 'failed', 502],
      ['openai', 'ok', 200],
    ],
  )
})

test('a stream URL on a foreign host is refused and counts as a failed attempt', async () => {
  replicate.script(fakeReplicate(replicate, { streamOrigin: 'http://replicate.attacker.example', stream: outputEvents(['x']) }))
  openai.script(sse(streamOf(['from', ' openai'], model)))
  const count = await gateway.nextOutcomeIndex()
  const text = await streamedText(await client.chat.completions.create({ model, messages, stream: true }))
  assert.equal(text, 'from openai')
  const outcome = await gateway.outcomeAt(count)
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.outcome, a.errorCode]),
    [
      ['replicate', 'failed', 'upstream_bad_response'],
      ['openai', 'ok', undefined],
    ],
  )
})

test('polling has a deadline: a prediction that never ends is a timeout', async () => {
  replicate.script(fakeReplicate(replicate, { polls: [{ status: 'processing' }] }))
  await assert.rejects(client.chat.completions.create({ model: 'slow/model', messages }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError)
    assert.equal(error.status, 504)
    assert.equal(error.code, 'upstream_timeout')
    return true
  })
  // The abandoned prediction is canceled (nothing waits for that, so neither can the client).
  await waitFor(() => replicate.requests.at(-1)?.url.endsWith('/cancel') === true, 'the cancel request')
})

test('a request a prompt-template model cannot serve goes to the next upstream; alone, the client learns why', async () => {
  openai.script(json(200, completion('tools from openai', model)))
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]
  const answer = await client.chat.completions.create({ model, messages, tools })
  assert.equal(answer.choices[0]?.message.content, 'tools from openai')
  await assert.rejects(client.chat.completions.create({ model: 'slow/model', messages, tools }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError)
    assert.equal(error.code, 'upstream_unsupported')
    assert.match(error.message, /cannot serve this request: tools cannot be translated to a Replicate prediction/)
    return true
  })
})

test('a client that goes away aborts the stream and cancels the prediction', async () => {
  replicate.script(fakeReplicate(replicate, { stream: [{ event: 'output', data: 'Once' }], streamThen: 'hang' }))
  const count = await gateway.nextOutcomeIndex()
  const controller = new AbortController()
  const stream = await client.chat.completions.create({ model, messages, stream: true }, { signal: controller.signal })
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content === 'Once') break
  }
  controller.abort()
  await replicate.requests.filter((r) => r.url.startsWith('/v1/files/')).at(-1)?.aborted
  assert.equal((await gateway.outcomeAt(count)).errorCode, 'client_closed')
  await waitFor(() => replicate.requests.at(-1)?.url.endsWith('/cancel') === true, 'the cancel request')
})
