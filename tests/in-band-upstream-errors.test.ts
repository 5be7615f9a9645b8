// An upstream's own error after the commit point (an Anthropic `error` event, a failed Replicate prediction, an
// OpenAI error chunk) reaches the client's in-band error with the upstream's type and code, not a generic
// upstream_error (the record has upstream_reported_error), and without the upstream's key.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import OpenAI from 'openai'
import { anthropicSse, errorEvent, messageStart, textStream } from './helpers/anthropic-wire.js'
import { chunk, eventText } from './helpers/fake-upstream.js'
import { fakeReplicate } from './helpers/replicate-wire.js'
import { fakeUpstreamFor, gatewayWith, openaiClientFor } from './helpers/scripted-gateway.js'

const clientKey = 'client-key-in-band'
const upstreamKey = 'sk-in-band/upstream+key-3141'

/** Streams a chat answer and returns the content read before the error, and the error the SDK raised. */
async function streamUntilError(client: OpenAI, model: string): Promise<{ content: string; error: InstanceType<typeof OpenAI.APIError> }> {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- max_tokens, as most clients still send it
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true, max_tokens: 50 })
  let content = ''
  try {
    for await (const part of stream) content += part.choices[0]?.delta.content ?? ''
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, String(error))
    return { content, error: error as InstanceType<typeof OpenAI.APIError> }
  }
  assert.fail(`the stream ended without an error after ${JSON.stringify(content)}`)
}

async function oneUpstream(t: TestContext, type: string, behaviour: Parameters<typeof fakeUpstreamFor>[1]): Promise<OpenAI> {
  const upstream = await fakeUpstreamFor(t, behaviour)
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['dbtype: none'],
    upstreams: [{ name: type, sk: upstreamKey, endpoint: upstream.endpoint, extra: [`type: ${type}`] }],
  })
  return openaiClientFor(gateway, clientKey)
}

test("Anthropic's overloaded_error after content reaches the client as overloaded_error, not upstream_error", async (t) => {
  const events = [...textStream(['Hel']).slice(0, 4), errorEvent('overloaded_error', `Overloaded (key ${upstreamKey})`)]
  assert.equal(events[0]?.event, messageStart().event)
  const client = await oneUpstream(t, 'anthropic', anthropicSse(events))

  const { content, error } = await streamUntilError(client, 'claude-sonnet-4-5')

  assert.equal(content, 'Hel')
  assert.equal(error.type, 'overloaded_error')
  assert.equal(error.code, 'overloaded_error')
  assert.match(error.message, /^Overloaded \(key \[redacted\]\)/)
  assert.ok(!error.message.includes(upstreamKey))
})

test("a Replicate prediction that fails mid-stream reaches the client as prediction_failed with Replicate's reason", async (t) => {
  const upstream = await fakeUpstreamFor(t)
  upstream.script(
    fakeReplicate(upstream, {
      stream: [
        { event: 'output', data: 'Once' },
        { event: 'error', data: JSON.stringify({ detail: 'CUDA out of memory' }) },
      ],
    }),
  )
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['dbtype: none'],
    upstreams: [{ name: 'replicate', sk: upstreamKey, endpoint: upstream.endpoint, extra: ['type: replicate'] }],
  })
  const index = await gateway.nextOutcomeIndex()

  const { content, error } = await streamUntilError(openaiClientFor(gateway, clientKey), 'mistralai/mixtral-8x7b-instruct-v0.1')

  assert.equal(content, 'Once')
  assert.equal(error.code, 'prediction_failed')
  assert.equal(error.type, 'server_error')
  assert.match(error.message, /CUDA out of memory/)
  // Recorded as the upstream's own report, not as a failure the gateway could not classify.
  const outcome = await gateway.outcomeAt(index)
  assert.equal(outcome.errorCode, 'upstream_reported_error')
  assert.deepEqual(
    outcome.attempts.map((a) => [a.outcome, a.errorCode]),
    [['failed', 'upstream_reported_error']],
  )
})

test("an OpenAI-compatible upstream's error chunk reaches the client with its own type and code", async (t) => {
  const client = await oneUpstream(t, 'openai', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunk({ role: 'assistant', content: 'Hel' })))
    res.end(
      eventText({
        error: {
          message: 'The server had an error while processing your request.',
          type: 'server_error',
          param: null,
          code: 'engine_overloaded',
        },
      }),
    )
  })

  const { content, error } = await streamUntilError(client, 'gpt-4o-mini')

  assert.equal(content, 'Hel')
  assert.equal(error.type, 'server_error')
  assert.equal(error.code, 'engine_overloaded')
  assert.equal(error.message, 'The server had an error while processing your request.')
})
