// The official openai client through the real gateway to an Azure OpenAI upstream (a fake resource on 127.0.0.1).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import OpenAI from 'openai'
import { completion, json, sse, startFakeUpstream, streamOf, type FakeUpstream } from './helpers/fake-upstream.js'
import { gatewayYaml, openaiClientFor, streamedText } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key'

let azure: FakeUpstream
let gateway: TestGateway
let client: OpenAI

before(async () => {
  azure = await startFakeUpstream()
  gateway = await startTestGateway(
    gatewayYaml({
      clientKey,
      topLevel: ['dbtype: none'],
      upstreams: [
        {
          name: 'azure',
          sk: 'azure-key',
          endpoint: `http://127.0.0.1:${azure.port}/openai`,
          extra: ['type: azure', 'api_version: 2024-10-21', 'deployments: {gpt-4o: prod-gpt-4o}'],
        },
      ],
    }),
  )
  client = openaiClientFor(gateway, clientKey)
})
after(async () => {
  await gateway.shutdown(1000)
  await azure.close()
})

test('non-stream: deployment URL, api-version and api-key; the answer unchanged', async () => {
  azure.script(json(200, completion('Hello from Azure', 'gpt-4o')))
  const answer = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
  assert.equal(answer.choices[0]?.message.content, 'Hello from Azure')
  const received = azure.requests.at(-1)
  assert.equal(received?.url, '/openai/deployments/prod-gpt-4o/chat/completions?api-version=2024-10-21')
  assert.equal(received?.headers['api-key'], 'azure-key')
  assert.equal(received?.headers['authorization'], undefined)
})

test('stream: a model without a deployments entry is its own deployment', async () => {
  azure.script(sse(streamOf(['Hel', 'lo'], 'gpt-4o-mini')))
  const text = await streamedText(
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
  )
  assert.equal(text, 'Hello')
  assert.equal(azure.requests.at(-1)?.url, '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21')
})

test("Azure's errors are already OpenAI-shaped and pass through", async () => {
  azure.script(
    json(400, { error: { message: 'The response was filtered', type: null, param: 'prompt', code: 'content_filter', status: 400 } }),
  )
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError)
      assert.equal(error.code, 'content_filter')
      return true
    },
  )
})
