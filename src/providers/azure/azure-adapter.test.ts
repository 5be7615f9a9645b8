// AzureAdapter.send() against a fake Azure OpenAI resource on 127.0.0.1: deployment URL, api-version, api-key; bytes unchanged.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { completion, json, sse, startFakeUpstream, streamOf, type FakeUpstream } from '../../../tests/helpers/fake-upstream.js'
import { chatRequest, RecordingSink, upstreamFrom } from '../../../tests/helpers/recording-sink.js'
import { UpstreamClients } from '../upstream-clients.js'
import { AzureAdapter } from './azure-adapter.js'

let fake: FakeUpstream
let clients: UpstreamClients
let adapter: AzureAdapter

before(async () => {
  fake = await startFakeUpstream()
  clients = new UpstreamClients()
  adapter = new AzureAdapter(clients)
})
after(async () => {
  await clients.close()
  await fake.close()
})

const endpoint = () => `http://127.0.0.1:${fake.port}/openai`

test('POST {endpoint}/deployments/{deployment}/chat/completions?api-version=..., the key in api-key, the body unchanged', async () => {
  const answer = completion('Hello', 'gpt-4o')
  fake.script(json(200, answer))
  const sink = new RecordingSink()
  const request = chatRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
  adapter.send(
    request,
    upstreamFrom('type: azure', 'sk: azure-key', `endpoint: ${endpoint()}`, 'api_version: 2024-10-21', 'deployments: {gpt-4o: prod-4o}'),
    sink,
  )
  const response = await sink.finished
  const received = fake.requests.at(-1)
  assert.equal(received?.url, '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21')
  assert.equal(received?.headers['api-key'], 'azure-key')
  assert.equal(received?.headers['authorization'], undefined)
  assert.deepEqual(received?.body, request.body)
  assert.equal(response.status, 200)
  assert.deepEqual(JSON.parse(response.body), answer)
})

test('a stream passes through byte for byte', async () => {
  fake.script(sse(streamOf(['a', 'b'], 'gpt-4o')))
  const sink = new RecordingSink()
  adapter.send(
    chatRequest({ model: 'gpt-4o', stream: true, messages: [] }),
    upstreamFrom('type: azure', 'sk: k', `endpoint: ${endpoint()}`, 'api_version: 2024-10-21'),
    sink,
  )
  const response = await sink.finished
  assert.equal(fake.requests.at(-1)?.url, '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21')
  const expected =
    streamOf(['a', 'b'], 'gpt-4o')
      .map((e) => `data: ${JSON.stringify(e)}\n\n`)
      .join('') + 'data: [DONE]\n\n'
  assert.equal(response.body, expected)
})

test("sk: asis forwards the client's Authorization (an Entra ID token) instead of api-key", async () => {
  fake.script(json(200, completion('ok')))
  const sink = new RecordingSink()
  adapter.send(
    chatRequest({ model: 'gpt-4o', messages: [] }, { authorization: 'Bearer entra-token' }),
    upstreamFrom('type: azure', 'sk: asis', `endpoint: ${endpoint()}`),
    sink,
  )
  await sink.finished
  assert.equal(fake.requests.at(-1)?.headers['authorization'], 'Bearer entra-token')
  assert.equal(fake.requests.at(-1)?.headers['api-key'], undefined)
})
