// The official openai client through the real gateway to an Anthropic upstream (a fake Messages API on 127.0.0.1):
// answers, streams, tool calls, errors, failover, commit point, client abort and outcomes.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import OpenAI from 'openai'
import { ManualClock } from '../src/time/manual-clock.js'
import { anthropicError, anthropicMessage, anthropicSse, messageStart, textStream, toolStream } from './helpers/anthropic-wire.js'
import { hang, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.js'
import { gatewayYaml, openaiClientFor, postChat, streamedText } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key'

let primary: FakeUpstream
let backup: FakeUpstream
let gateway: TestGateway
let client: OpenAI
/** Deadlines run only when a test moves this clock, so a slow machine cannot make an answer late. */
const clock = new ManualClock()

before(async () => {
  primary = await startFakeUpstream()
  backup = await startFakeUpstream()
  gateway = await startTestGateway(
    gatewayYaml({
      clientKey,
      // One gateway for every test, each scripting the upstreams afresh: no breaker carries a test's failures into the next.
      topLevel: ['dbtype: none', 'stream_timeout: 0.5', 'health: { enabled: false }'],
      upstreams: [
        { name: 'claude-primary', sk: 'sk-ant-primary', endpoint: primary.endpoint, extra: ['type: anthropic', 'deny: [only-backup]'] },
        { name: 'claude-backup', sk: 'sk-ant-backup', endpoint: backup.endpoint, extra: ['type: anthropic'] },
      ],
    }),
    {},
    { clock },
  )
  client = openaiClientFor(gateway, clientKey)
})
after(async () => {
  await gateway.shutdown(1000)
  await primary.close()
  await backup.close()
})

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }]

test('non-stream: a chat completion with usage; the outcome names the upstream', async () => {
  primary.script(async (req, res) => {
    const text = JSON.stringify(anthropicMessage([{ type: 'text', text: 'Hello from Claude' }]))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(text)
  })
  const count = await gateway.nextOutcomeIndex()
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- max_tokens, as most clients send it, is what the Anthropic mapping reads
  const completion = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, max_tokens: 100 })
  assert.equal(completion.choices[0]?.message.content, 'Hello from Claude')
  assert.equal(completion.choices[0]?.finish_reason, 'stop')
  assert.deepEqual(completion.usage, {
    prompt_tokens: 12,
    completion_tokens: 6,
    total_tokens: 18,
    prompt_tokens_details: { cached_tokens: 0 },
  })
  assert.equal(primary.requests.at(-1)?.url, '/v1/messages')
  assert.equal((primary.requests.at(-1)?.json as { max_tokens: number }).max_tokens, 100)
  const outcome = await gateway.outcomeAt(count)
  assert.equal(outcome.status, 200)
  assert.equal(outcome.upstream, 'claude-primary')
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.outcome]),
    [['claude-primary', 'ok']],
  )
})

test('stream: text deltas, and usage in the last chunk when asked for', async () => {
  primary.script(anthropicSse(textStream(['Hel', 'lo', '!'])))
  const stream = await client.chat.completions.create({
    model: 'claude-sonnet-4-5',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  })
  let text = ''
  let usage: OpenAI.CompletionUsage | null | undefined
  let finish: string | null | undefined
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    finish = chunk.choices[0]?.finish_reason ?? finish
    if (chunk.usage) usage = chunk.usage
  }
  assert.equal(text, 'Hello!')
  assert.equal(finish, 'stop')
  assert.equal(usage?.total_tokens, 18)
})

test('stream without include_usage: no usage chunk reaches the client, yet the outcome has the reported usage', async () => {
  primary.script(anthropicSse(textStream(['Hel', 'lo'])))
  const count = await gateway.nextOutcomeIndex()
  const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true })
  let sawUsage = false
  let text = ''
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    if (chunk.usage) sawUsage = true
    assert.notEqual(chunk.choices.length, 0, 'a usage-only chunk reached the client')
  }
  assert.equal(text, 'Hello')
  assert.equal(sawUsage, false)
  const outcome = await gateway.outcomeAt(count)
  assert.equal(outcome.usage?.source, 'reported')
  assert.equal(outcome.usage?.totalTokens, 18)
})

test("stream: tool-call deltas assemble into the client's tool call", async () => {
  primary.script(anthropicSse(toolStream('Checking.', { id: 'toolu_01A', name: 'get_weather', jsonPieces: ['{"city"', ': "Paris"}'] })))
  const runner = client.chat.completions.stream({
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ],
  })
  const final = await runner.finalChatCompletion()
  const choice = final.choices[0]
  assert.equal(choice?.finish_reason, 'tool_calls')
  assert.equal(choice?.message.content, 'Checking.')
  const call = choice?.message.tool_calls?.[0]
  assert.equal(call?.id, 'toolu_01A')
  assert.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather')
  assert.deepEqual(JSON.parse(call?.type === 'function' ? call.function.arguments : ''), { city: 'Paris' })
  const sent = primary.requests.at(-1)?.json as { tools: unknown[]; stream: boolean }
  assert.deepEqual(sent.tools, [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }])
  assert.equal(sent.stream, true)
})

test("an Anthropic 400 is the client's answer: OpenAI-shaped, status 400, no failover", async () => {
  primary.script(anthropicError(400, 'invalid_request_error', 'max_tokens: 100000 > 64000, which is the maximum'))
  const before = backup.requests.length
  const count = await gateway.nextOutcomeIndex()
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- max_tokens, as most clients send it, is what the Anthropic mapping reads
  await assert.rejects(client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, max_tokens: 100000 }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError)
    assert.equal(error.status, 400)
    assert.equal(error.message, '400 max_tokens: 100000 > 64000, which is the maximum')
    assert.equal(error.code, 'invalid_request_error')
    return true
  })
  assert.equal(backup.requests.length, before)
  const outcome = await gateway.outcomeAt(count)
  assert.equal(outcome.status, 400)
  // Relayed as the upstream's own answer, as for an OpenAI upstream's 400.
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.status]),
    [['claude-primary', 400]],
  )
})

test('Anthropic 529 overloaded fails over to the next upstream', async () => {
  primary.script(anthropicError(529, 'overloaded_error', 'Overloaded'))
  backup.script(anthropicSse(textStream(['from backup'])))
  const count = await gateway.nextOutcomeIndex()
  const text = await streamedText(await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true }))
  assert.equal(text, 'from backup')
  const outcome = await gateway.outcomeAt(count)
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.outcome, a.status]),
    [
      ['claude-primary', 'failed', 529],
      ['claude-backup', 'ok', 200],
    ],
  )
})

test('overloaded_error as a stream event before any content fails over too; the last one reaches the client as 529', async () => {
  const overloaded = anthropicSse([
    messageStart(),
    { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
  ])
  primary.script(overloaded)
  backup.script(overloaded)
  await assert.rejects(client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError)
    assert.equal(error.status, 529)
    assert.equal(error.code, 'overloaded_error')
    return true
  })
})

test('commit point: a stream that dies after message_start fails over; after content it ends with an error, never [DONE]', async () => {
  primary.script(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(`event: message_start\ndata: ${JSON.stringify(messageStart().data)}\n\n`)
    res.socket?.destroy()
  })
  backup.script(anthropicSse(textStream(['saved'])))
  const text = await streamedText(await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true }))
  assert.equal(text, 'saved')

  primary.script(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const events = textStream(['partial'])
    res.write(
      events
        .slice(0, 4)
        .map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`)
        .join(''),
    )
    setTimeout(() => res.socket?.destroy(), 20)
  })
  const response = await postChat(gateway, clientKey, { model: 'claude-sonnet-4-5', messages, stream: true })
  const body = await response.text()
  assert.equal(response.status, 200)
  assert.match(body, /"content":"partial"/)
  assert.match(body, /"error":\{/)
  assert.doesNotMatch(body, /\[DONE\]/)
})

test('allow/deny apply to anthropic upstreams as to any other', async () => {
  backup.script(anthropicSse(textStream(['backup only'])))
  const before = primary.requests.length
  const text = await streamedText(await client.chat.completions.create({ model: 'only-backup', messages, stream: true }))
  assert.equal(text, 'backup only')
  assert.equal(primary.requests.length, before)
})

test('stream_timeout: an upstream that does not answer in time fails over', async () => {
  primary.script(hang())
  backup.script(anthropicSse(textStream(['in time'])))
  const count = await gateway.nextOutcomeIndex()
  const asked = primary.requests.length
  const answer = client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true })
  await waitFor(() => primary.requests.length > asked, 'the primary asked')
  clock.advance(500)
  const text = await streamedText(await answer)
  assert.equal(text, 'in time')
  assert.deepEqual(
    (await gateway.outcomeAt(count)).attempts.map((a) => [a.outcome, a.errorCode]),
    [
      ['failed', 'upstream_timeout'],
      ['ok', undefined],
    ],
  )
})

test('a client that goes away aborts the Anthropic request at once', async () => {
  primary.script(anthropicSse(textStream(['first']).slice(0, 4), { then: 'hang' }))
  const count = await gateway.nextOutcomeIndex()
  const controller = new AbortController()
  const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true }, { signal: controller.signal })
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content === 'first') break
  }
  controller.abort()
  await primary.requests.at(-1)?.aborted
  const outcome = await gateway.outcomeAt(count)
  assert.equal(outcome.errorCode, 'client_closed')
})
