// A mixed config, OpenAI first and Anthropic as fallback: failover works across upstream types.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import OpenAI from 'openai'
import { anthropicMessage, anthropicSse, textStream } from './helpers/anthropic-wire.js'
import { json, openaiError, reset, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.js'
import { gatewayYaml, openaiClientFor, streamedText } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key'

let openai: FakeUpstream
let anthropic: FakeUpstream
let gateway: TestGateway
let client: OpenAI

before(async () => {
  openai = await startFakeUpstream()
  anthropic = await startFakeUpstream()
  gateway = await startTestGateway(
    gatewayYaml({
      clientKey,
      topLevel: ['dbtype: none'],
      upstreams: [
        { name: 'openai', sk: 'sk-openai', endpoint: openai.endpoint },
        { name: 'anthropic', sk: 'sk-ant', endpoint: anthropic.endpoint, extra: ['type: anthropic'] },
      ],
    }),
  )
  client = openaiClientFor(gateway, clientKey)
})
after(async () => {
  await gateway.shutdown(1000)
  await openai.close()
  await anthropic.close()
})

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }]

test('OpenAI answers 500: the same request is translated for Anthropic, which answers', async () => {
  openai.script(openaiError(500, 'The server had an error'))
  anthropic.script(json(200, anthropicMessage([{ type: 'text', text: 'Claude here' }])))
  const count = await gateway.nextOutcomeIndex()
  const answer = await client.chat.completions.create({ model: 'gpt-4o', messages })
  assert.equal(answer.choices[0]?.message.content, 'Claude here')
  assert.equal(openai.requests.at(-1)?.url, '/v1/chat/completions')
  assert.equal(anthropic.requests.at(-1)?.url, '/v1/messages')
  assert.equal(anthropic.requests.at(-1)?.headers['x-api-key'], 'sk-ant')
  const outcome = await gateway.outcomeAt(count)
  assert.equal(outcome.upstream, 'anthropic')
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.outcome, a.status]),
    [
      ['openai', 'failed', 500],
      ['anthropic', 'ok', 200],
    ],
  )
})

test('stream: OpenAI resets the connection, Anthropic streams the answer', async () => {
  openai.script(reset())
  anthropic.script(anthropicSse(textStream(['Claude', ' streams'])))
  const text = await streamedText(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }))
  assert.equal(text, 'Claude streams')
})
