// ReplicateAdapter.send() against a fake predictions API on 127.0.0.1: create, poll, stream, cancel.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startFakeUpstream, type FakeUpstream } from '../../../tests/helpers/fake-upstream.js'
import { chatRequest, RecordingSink, sseData, upstreamFrom } from '../../../tests/helpers/recording-sink.js'
import { fakeReplicate, outputEvents, predictionId, succeeded } from '../../../tests/helpers/replicate-wire.js'
import { ManualClock } from '../../time/manual-clock.js'
import { waitFor } from '../../../tests/helpers/wait-for.js'
import { GatewayError } from '../../errors/gateway-error.js'
import { UpstreamClients } from '../upstream-clients.js'
import { systemClock } from '../../time/clock.js'
import type { ChatCompletion, ChatCompletionChunk, OpenAIErrorBody } from '../openai-chat.js'
import { ReplicateAdapter } from './replicate-adapter.js'

const model = 'mistralai/mixtral-8x7b-instruct-v0.1'
const question = { model, messages: [{ role: 'user', content: 'Tell me a story' }] }
const fastPolls = { firstDelayMs: 1, maxDelayMs: 2, maxPollingMs: 60_000 }
let fake: FakeUpstream
let clients: UpstreamClients
let adapter: ReplicateAdapter

before(async () => {
  fake = await startFakeUpstream()
  clients = new UpstreamClients()
  adapter = new ReplicateAdapter(clients, systemClock, fastPolls)
})
after(async () => {
  await clients.close()
  await fake.close()
})

const upstream = (...extra: string[]) => upstreamFrom('type: replicate', 'sk: r8_test', `endpoint: ${fake.endpoint}`, ...extra)
const since = (count: number) => fake.requests.slice(count).map((r) => `${r.method} ${r.url}`)

test('non-stream: create, poll urls.get until over, answer a chat completion with usage', async () => {
  fake.script(fakeReplicate(fake, { polls: [{ status: 'processing' }, succeeded(['Once', ' upon', ' a time'], 20, 4)] }))
  const count = fake.requests.length
  const sink = new RecordingSink()
  adapter.send(chatRequest(question), upstream(), sink)
  const response = await sink.finished
  assert.deepEqual(since(count), [
    `POST /v1/models/${model}/predictions`,
    `GET /v1/predictions/${predictionId}`,
    `GET /v1/predictions/${predictionId}`,
  ])
  const create = fake.requests[count]
  assert.equal(create?.headers['authorization'], 'Bearer r8_test')
  assert.equal(create?.headers['content-type'], 'application/json')
  assert.deepEqual(create?.json, {
    stream: false,
    input: { prompt: '<s> [INST] Tell me a story [/INST] ', max_new_tokens: 1024, top_p: 0.9, top_k: 50, prompt_template: '{prompt}' },
  })
  assert.equal(fake.requests[count + 1]?.headers['authorization'], 'Bearer r8_test')
  assert.equal(response.status, 200)
  const completion = JSON.parse(response.body) as ChatCompletion
  assert.equal(completion.choices[0].message.content, 'Once upon a time')
  assert.equal(completion.choices[0].finish_reason, 'stop')
  assert.deepEqual(completion.usage, { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 })
})

test('stream: GET urls.stream as SSE; output events become chunks; with include_usage the finished prediction gives usage', async () => {
  fake.script(fakeReplicate(fake, { stream: outputEvents(['Once', ' upon']), polls: [succeeded(['Once', ' upon'], 20, 2)] }))
  const count = fake.requests.length
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true, stream_options: { include_usage: true } }), upstream(), sink)
  const response = await sink.finished
  assert.deepEqual(since(count), [
    `POST /v1/models/${model}/predictions`,
    `GET /v1/files/bcwr-${predictionId}`,
    `GET /v1/predictions/${predictionId}`,
  ])
  assert.equal((fake.requests[count]?.json as { stream: boolean }).stream, true)
  assert.equal(fake.requests[count + 1]?.headers['accept'], 'text/event-stream')
  // The create and the stream it points to are both asked for identity: the gateway reads what it relays.
  assert.equal(fake.requests[count]?.headers['accept-encoding'], 'identity')
  assert.equal(fake.requests[count + 1]?.headers['accept-encoding'], 'identity')
  assert.equal(response.error, undefined)
  const data = sseData(response.body)
  assert.equal(data.at(-1), '[DONE]')
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as ChatCompletionChunk)
  assert.deepEqual(
    chunks.map((c) => c.choices[0]?.delta ?? c.usage),
    [
      { role: 'assistant', content: '' },
      { content: 'Once' },
      { content: ' upon' },
      {},
      { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 },
    ],
  )
})

test('a failed prediction is a 502 answer (a failed attempt)', async () => {
  fake.script(fakeReplicate(fake, { polls: [{ status: 'failed', error: 'CUDA out of memory' }] }))
  const sink = new RecordingSink()
  adapter.send(chatRequest(question), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.status, 502)
  assert.deepEqual((JSON.parse(response.body) as OpenAIErrorBody).error, {
    message: 'The prediction failed: CUDA out of memory',
    type: 'server_error',
    param: null,
    code: 'prediction_failed',
  })
})

test('a stream error event before any output is a 502 answer', async () => {
  fake.script(fakeReplicate(fake, { stream: [{ event: 'error', data: '{"detail":"CUDA out of memory"}' }] }))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.status, 502)
  assert.equal((JSON.parse(response.body) as OpenAIErrorBody).error.code, 'prediction_failed')
})

test("Replicate's HTTP errors keep their status", async () => {
  fake.script(
    fakeReplicate(fake, {
      createStatus: 401,
      createError: { title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 },
    }),
  )
  const sink = new RecordingSink()
  adapter.send(chatRequest(question), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.status, 401)
  assert.equal((JSON.parse(response.body) as OpenAIErrorBody).error.message, 'You did not pass a valid authentication token')
})

test('a stream URL on a foreign host is not followed: the attempt fails and the prediction is canceled', async () => {
  fake.script(fakeReplicate(fake, { streamOrigin: `http://localhost:${fake.port}`, stream: outputEvents(['x']) }))
  const count = fake.requests.length
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  const response = await sink.finished
  assert.equal(response.error?.code, 'upstream_bad_response')
  assert.equal(response.error?.retryable, true)
  assert.match(response.error?.message ?? '', /stream URL is on localhost:\d+, which is neither the endpoint's host nor in allowed_hosts/)
  await waitFor(() => fake.requests.length === count + 2, 'the cancel request')
  assert.deepEqual(since(count), [`POST /v1/models/${model}/predictions`, `POST /v1/predictions/${predictionId}/cancel`])
})

test('allowed_hosts lets a stream URL on another host be followed', async () => {
  fake.script(fakeReplicate(fake, { streamOrigin: `http://localhost:${fake.port}`, stream: outputEvents(['ok']) }))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(`allowed_hosts: ["localhost:${fake.port}"]`), sink)
  const response = await sink.finished
  assert.equal(response.error, undefined)
  assert.match(response.body, /"content":"ok"/)
})

test('polling stops at the deadline (the upstream timeout) with upstream_timeout, and cancels the prediction', async () => {
  const clock = new ManualClock({ stepping: true })
  const stepping = new ReplicateAdapter(clients, clock)
  fake.script(fakeReplicate(fake, { polls: [{ status: 'processing' }] }))
  const count = fake.requests.length
  const sink = new RecordingSink()
  stepping.send(chatRequest(question), upstream('timeout: 3'), sink)
  const response = await sink.finished
  assert.equal(response.error?.code, 'upstream_timeout')
  assert.match(response.error?.message ?? '', /not over within 3s/)
  // 250, 500, 1000, then what is left of the 3 s; the backoff never waits past the deadline.
  assert.deepEqual(clock.delays, [250, 500, 1000, 1250])
  await waitFor(() => fake.requests.length === count + 6, 'the cancel request')
  assert.equal(since(count).filter((r) => r.startsWith('GET')).length, 4)
  assert.equal(since(count).at(-1), `POST /v1/predictions/${predictionId}/cancel`)
})

test('abort() mid-stream stops the stream and cancels the prediction', async () => {
  fake.script(fakeReplicate(fake, { stream: [{ event: 'output', data: 'Once' }], streamThen: 'hang' }))
  const count = fake.requests.length
  const sink = new RecordingSink()
  const control = adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  await sink.firstData
  control.abort(new GatewayError('client_closed', 'the client closed the connection'))
  assert.equal((await sink.finished).error?.code, 'client_closed')
  await fake.requests[count + 1]?.aborted
  await waitFor(() => fake.requests.length === count + 3, 'the cancel request')
  assert.equal(since(count).at(-1), `POST /v1/predictions/${predictionId}/cancel`)
})

test('a model without a stream URL cannot serve a stream request', async () => {
  fake.script(fakeReplicate(fake, { created: { urls: { get: `${fake.endpoint}/predictions/${predictionId}` } } }))
  const sink = new RecordingSink()
  adapter.send(chatRequest({ ...question, stream: true }), upstream(), sink)
  assert.equal((await sink.finished).error?.code, 'upstream_unsupported')
})
