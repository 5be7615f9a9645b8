// AnthropicAdapter.send() against a fake Messages API on 127.0.0.1: the request it makes, the answer it reports.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  anthropicError,
  anthropicMessage,
  anthropicSse,
  errorEvent,
  messageStart,
  textStream,
} from '../../../tests/helpers/anthropic-wire.js'
import { hang, json, startFakeUpstream, type FakeUpstream } from '../../../tests/helpers/fake-upstream.js'
import { waitFor } from '../../../tests/helpers/wait-for.js'
import { chatRequest, RecordingSink, sseData, upstreamFrom } from '../../../tests/helpers/recording-sink.js'
import { GatewayError } from '../../errors/gateway-error.js'
import { UpstreamClients } from '../upstream-clients.js'
import { systemClock, type Clock } from '../../time/clock.js'
import type { ChatCompletion, ChatCompletionChunk, OpenAIErrorBody } from '../openai-chat.js'
import { AnthropicAdapter } from './anthropic-adapter.js'

const clock: Clock = { ...systemClock, wallNow: () => 1_700_000_000_000 }
let fake: FakeUpstream
let clients: UpstreamClients
let adapter: AnthropicAdapter

before(async () => {
  fake = await startFakeUpstream()
  clients = new UpstreamClients()
  adapter = new AnthropicAdapter(clients, clock)
})
after(async () => {
  await clients.close()
  await fake.close()
})

const upstream = (...extra: string[]) => upstreamFrom('type: anthropic', 'sk: sk-ant-test', `endpoint: ${fake.endpoint}`, ...extra)
const question = {
  model: 'claude-sonnet-4-5',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ],
}

test('non-stream: POST {endpoint}/messages with x-api-key and anthropic-version; the answer as a chat completion', async () => {
  fake.script(json(200, anthropicMessage([{ type: 'text', text: 'Hello!' }]), { 'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy' }))
  const sink = new RecordingSink()
  adapter.send(chatRequest(question), upstream(), sink)
  const response = await sink.finished
  const received = fake.requests.at(-1)
  assert.equal(received?.method, 'POST')
  assert.equal(received?.url, '/v1/messages')
  assert.equal(received?.headers['x-api-key'], 'sk-ant-test')
  assert.equal(received?.headers['anthropic-version'], '2023-06-01')
  assert.equal(received?.headers['content-type'], 'application/json')
  assert.equal(received?.headers['authorization'], undefined, 'the client key never reaches Anthropic')
  assert.equal(received?.headers['x-request-id'], 'req-test-1')
  assert.deepEqual(received?.json, {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  })
  assert.equal(response.error, undefined)
  assert.equal(response.status, 200)
  assert.equal(sink.header('content-type'), 'application/json')
  assert.equal(sink.header('request-id'), 'req_011CSHoEeqs5C35K2UUqR7Fy')
  assert.equal(sink.header('content-length'), String(Buffer.byteLength(response.body)))
  const completion = JSON.parse(response.body) as ChatCompletion
  assert.equal(completion.object, 'chat.completion')
  assert.equal(completion.created, 1_700_000_000)
  assert.equal(completion.choices[0].message.content, 'Hello!')
  assert.deepEqual(completion.usage, {
    prompt_tokens: 12,
    completion_tokens: 6,
    total_tokens: 18,
    prompt_tokens_details: { cached_tokens: 0 },
  })
})

test('stream: Accept text/event-stream, chunks in SSE, [DONE] last', async () => {
  fake.script(anthropicSse(textStream(['Hel', 'lo'])))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true, stream_options: { include_usage: true } }), upstream(), sink)
  const response = await sink.finished
  assert.equal(fake.requests.at(-1)?.headers['accept'], 'text/event-stream')
  assert.equal((fake.requests.at(-1)?.json as { stream?: boolean }).stream, true)
  assert.equal(response.error, undefined)
  assert.equal(sink.header('content-type'), 'text/event-stream; charset=utf-8')
  const data = sseData(response.body)
  assert.equal(data.at(-1), '[DONE]')
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk)
  assert.deepEqual(
    chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason ?? null]),
    [
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Hel' }, null],
      [{ content: 'lo' }, null],
      [{}, 'stop'],
      [undefined, null],
    ],
  )
  assert.deepEqual(chunks.at(-1)?.usage, {
    prompt_tokens: 12,
    completion_tokens: 6,
    total_tokens: 18,
    prompt_tokens_details: { cached_tokens: 0 },
  })
})

test('an Anthropic 400 is reported as 400 with an OpenAI error body', async () => {
  fake.script(anthropicError(400, 'invalid_request_error', 'messages: roles must alternate'))
  const sink = new RecordingSink()
  adapter.send(chatRequest(question), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.status, 400)
  assert.deepEqual(JSON.parse(response.body), {
    error: { message: 'messages: roles must alternate', type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
  })
})

test('an overloaded_error event before any content is answered as 529 (a status that fails over)', async () => {
  fake.script(anthropicSse([messageStart(), errorEvent('overloaded_error', 'Overloaded')], { then: 'hang' }))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.status, 529)
  assert.equal((JSON.parse(response.body) as OpenAIErrorBody).error.code, 'overloaded_error')
  await fake.requests.at(-1)?.aborted
})

test('an error event after content ends the answer with an error', async () => {
  fake.script(anthropicSse([...textStream(['Hel']).slice(0, 4), errorEvent('api_error', 'Internal')], { then: 'hang' }))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.status, 200)
  assert.match(response.body, /"content":"Hel"/)
  assert.equal(response.error?.code, 'upstream_reported_error')
  assert.match(response.error?.message ?? '', /api_error: Internal/)
  // Anthropic's own error is what the client's error event will carry.
  assert.deepEqual(response.error?.reported, { message: 'Internal', type: 'api_error', param: null, code: 'api_error' })
  await fake.requests.at(-1)?.aborted
})

test('a stream that ends before message_stop is truncated', async () => {
  fake.script(anthropicSse(textStream(['Hel']).slice(0, 4)))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  assert.equal((await sink.finished).error?.code, 'upstream_truncated')
})

test('a malformed request is answered 400 without calling Anthropic; an untranslatable one fails the attempt', async () => {
  const before = fake.requests.length
  const malformed = new RecordingSink()
  adapter.send(chatRequest({ model: 'm', messages: 'hi' }), upstream(), malformed)
  const answer = await malformed.finished
  assert.equal(answer.status, 400)
  assert.equal((JSON.parse(answer.body) as OpenAIErrorBody).error.param, 'messages')
  const unsupported = new RecordingSink()
  adapter.send(chatRequest({ ...question, n: 3 }), upstream(), unsupported)
  const failed = await unsupported.finished
  assert.equal(failed.error?.code, 'upstream_unsupported')
  assert.equal(failed.error?.retryable, true)
  const embeddings = new RecordingSink()
  adapter.send({ ...chatRequest(question), path: '/embeddings' }, upstream(), embeddings)
  assert.equal((await embeddings.finished).error?.code, 'upstream_unsupported')
  assert.equal(fake.requests.length, before)
})

test('abort() stops the upstream request', async () => {
  fake.script(hang())
  const sink = new RecordingSink()
  const count = fake.requests.length
  const control = adapter.send(chatRequest(question), upstream(), sink)
  await waitFor(() => fake.requests.length > count, 'the request to reach the fake')
  control.abort(new GatewayError('client_closed', 'the client closed the connection'))
  assert.equal((await sink.finished).error?.code, 'client_closed')
  await fake.requests.at(-1)?.aborted
})

test("sk: asis sends the client's bearer token as x-api-key; keep_header forwards other client headers", async () => {
  fake.script(json(200, anthropicMessage([{ type: 'text', text: 'ok' }])))
  const sink = new RecordingSink()
  const asis = upstreamFrom('type: anthropic', 'sk: asis', `endpoint: ${fake.endpoint}`, 'keep_header: true')
  adapter.send(
    chatRequest(question, { authorization: 'Bearer sk-ant-client', 'anthropic-beta': 'tools-2024', 'openai-beta': 'x' }),
    asis,
    sink,
  )
  await sink.finished
  const headers = fake.requests.at(-1)?.headers
  assert.equal(headers?.['x-api-key'], 'sk-ant-client')
  assert.equal(headers?.['authorization'], undefined)
  assert.equal(headers?.['anthropic-beta'], 'tools-2024')
  assert.equal(headers?.['openai-beta'], undefined)
  assert.equal(headers?.['content-type'], 'application/json')
})

test('an event larger than max_event_size fails the answer as upstream_bad_response and stops the upstream', async () => {
  const huge = {
    event: 'content_block_delta',
    data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(8 * 1024) } },
  }
  fake.script(anthropicSse([messageStart(), huge], { then: 'hang' }))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), { ...upstream(), maxEventBytes: 4 * 1024 }, sink)
  const response = await sink.finished
  assert.equal(response.error?.code, 'upstream_bad_response')
  await fake.requests.at(-1)?.aborted
})
