// One client model served by OpenAI, Azure and Anthropic upstreams under their own names (`models`), failing over from
// one to the next; pass-through upstreams get the client's bytes with only the model value replaced.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { anthropicMessage } from './helpers/anthropic-wire.js'
import { completion, json, openaiError, reset, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.js'
import { gatewayYaml } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key'

let openai: FakeUpstream
let azure: FakeUpstream
let anthropic: FakeUpstream
let gateway: TestGateway

before(async () => {
  openai = await startFakeUpstream()
  azure = await startFakeUpstream()
  anthropic = await startFakeUpstream()
  gateway = await startTestGateway(
    gatewayYaml({
      clientKey,
      topLevel: ['dbtype: none'],
      upstreams: [
        // Its allow list does not name `fast`: the mapping is what lets it serve it.
        { name: 'openai', endpoint: openai.endpoint, extra: ['allow: [gpt-4o]', 'models: { fast: gpt-4o-mini-2024-07-18 }'] },
        {
          name: 'azure',
          endpoint: `http://127.0.0.1:${azure.port}/openai`,
          extra: ['type: azure', 'api_version: 2024-10-21', 'models: { fast: gpt-4o-mini }', 'deployments: { gpt-4o-mini: prod-mini }'],
        },
        { name: 'anthropic', endpoint: anthropic.endpoint, extra: ['type: anthropic', 'models: { fast: claude-haiku-4-5 }'] },
      ],
    }),
  )
})
after(async () => {
  await gateway.shutdown(1000)
  await Promise.all([openai.close(), azure.close(), anthropic.close()])
})

/** Spacing, member order and an escape the gateway must keep byte for byte. */
const clientBody = '{ "messages": [{"role":"user","content":"caf\\u00e9"}],\n  "model" : "fast", "temperature":0.5 }'
const bodyWith = (model: string): string => clientBody.replace('"fast"', JSON.stringify(model))

/** The body as written, not re-serialised. */
async function ask(body: string): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body,
  })
}

test('one client model fails over from OpenAI to Azure to Anthropic, each sent its own model name', async () => {
  openai.script(openaiError(500, 'down'))
  azure.script(reset())
  anthropic.script(json(200, anthropicMessage([{ type: 'text', text: 'Haiku here' }])))
  const index = await gateway.nextOutcomeIndex()
  const response = await ask(clientBody)
  assert.equal(response.status, 200)
  const answer = (await response.json()) as { choices: Array<{ message: { content: string } }> }
  assert.equal(answer.choices[0]?.message.content, 'Haiku here')

  assert.equal(openai.requests.at(-1)?.body.toString(), bodyWith('gpt-4o-mini-2024-07-18'))
  // Azure: the mapped name picks the deployment (deployments still apply to it) and is the body's model.
  assert.equal(azure.requests.at(-1)?.url, '/openai/deployments/prod-mini/chat/completions?api-version=2024-10-21')
  assert.equal(azure.requests.at(-1)?.body.toString(), bodyWith('gpt-4o-mini'))
  // Anthropic: the translated request names the mapped model.
  assert.equal((anthropic.requests.at(-1)?.json as { model: string }).model, 'claude-haiku-4-5')

  const outcome = await gateway.outcomeAt(index)
  assert.equal(outcome.model, 'fast')
  assert.equal(outcome.upstream, 'anthropic')
  assert.equal(outcome.upstreamModel, 'claude-haiku-4-5')
  assert.deepEqual(
    outcome.attempts.map((a) => [a.upstream, a.outcome]),
    [
      ['openai', 'failed'],
      ['azure', 'failed'],
      ['anthropic', 'ok'],
    ],
  )
})

test('the first upstream answering gets the client body with only the model value replaced', async () => {
  openai.script(json(200, completion('OpenAI here', 'gpt-4o-mini-2024-07-18')))
  const index = await gateway.nextOutcomeIndex()
  const response = await ask(clientBody)
  assert.equal(response.status, 200)
  assert.equal(openai.requests.at(-1)?.body.toString(), bodyWith('gpt-4o-mini-2024-07-18'))
  const outcome = await gateway.outcomeAt(index)
  assert.equal(outcome.upstreamModel, 'gpt-4o-mini-2024-07-18')
})

test('a model no upstream maps is sent unchanged, to the upstreams whose rules allow it', async () => {
  openai.script(json(200, completion('plain', 'gpt-4o')))
  const body = '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}'
  const index = await gateway.nextOutcomeIndex()
  assert.equal((await ask(body)).status, 200)
  assert.equal(openai.requests.at(-1)?.body.toString(), body)
  const outcome = await gateway.outcomeAt(index)
  assert.equal(outcome.model, 'gpt-4o')
  assert.equal(outcome.upstreamModel, 'gpt-4o')
})

test("the mapped-to name is not a client name the openai upstream's allow list serves", async () => {
  azure.script(json(200, completion('azure', 'gpt-4o-mini')))
  const openaiBefore = openai.requests.length
  const response = await ask('{"model":"gpt-4o-mini-2024-07-18","messages":[{"role":"user","content":"Hi"}]}')
  assert.equal(response.status, 200)
  assert.equal(openai.requests.length, openaiBefore)
  assert.equal(azure.requests.at(-1)?.url, '/openai/deployments/gpt-4o-mini-2024-07-18/chat/completions?api-version=2024-10-21')
})
