// UpstreamModelRequests: the model value's bytes replaced for an upstream that maps the client's model, nothing else.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import { routingFields } from '../wire/routing-fields.js'
import { requestStreamUsage } from './stream-usage-request.js'
import { UpstreamModelRequests } from './upstream-model-request.js'

const upstream = (models: Record<string, string>): UpstreamConfig => ({ name: 'u', models }) as unknown as UpstreamConfig

async function requests(text: string, path = '/chat/completions'): Promise<{ models: UpstreamModelRequests; parses: () => number }> {
  const body = Buffer.from(text)
  const fields = await routingFields(body, 'application/json')
  const usage = await requestStreamUsage(path, body, fields)
  let parses = 0
  const request: UpstreamRequest = {
    requestId: 'r',
    method: 'POST',
    path,
    headers: {},
    body: usage.body,
    get json() {
      parses++
      return JSON.parse((usage.body as Buffer).toString()) as Record<string, unknown>
    },
    model: fields.model ?? path,
    stream: fields.stream,
  }
  return { models: new UpstreamModelRequests({ request, clientModel: fields.model, modelSpan: usage.modelSpan }), parses: () => parses }
}

test('only the model value changes; spacing, order, escapes and other members are kept byte for byte', async () => {
  const { models } = await requests('{ "messages" : [{"role":"user","content":"h\\u00e9"}] ,\n "model" :\t"fast" , "x":1}')
  const mapped = models.requestFor(upstream({ fast: 'gpt-4o-mini-2024-07-18' }))
  assert.equal(
    mapped.body?.toString(),
    '{ "messages" : [{"role":"user","content":"h\\u00e9"}] ,\n "model" :\t"gpt-4o-mini-2024-07-18" , "x":1}',
  )
  assert.equal(mapped.model, 'gpt-4o-mini-2024-07-18')
})

test('the new name is written as a JSON string, escapes and all', async () => {
  const { models } = await requests('{"model":"f\\u0061st"}')
  const name = 'we"ird\\name\n\u00e9'
  const body = models.requestFor(upstream({ fast: name })).body as Buffer
  assert.deepEqual(JSON.parse(body.toString()), { model: name })
})

test('with duplicate model members, the last one (the one upstreams read) is replaced', async () => {
  const { models } = await requests('{"model":"fast","model":"fast"}')
  assert.equal(models.requestFor(upstream({ fast: 'x' })).body?.toString(), '{"model":"fast","model":"x"}')
})

test('after stream usage is inserted before it, the model is still found at its moved place', async () => {
  const { models } = await requests('{"model":"fast","stream":true}')
  assert.equal(
    models.requestFor(upstream({ fast: 'claude-haiku-4-5' })).body?.toString(),
    '{"stream_options":{"include_usage":true},"model":"claude-haiku-4-5","stream":true}',
  )
  const { models: after } = await requests('{"stream":true,"stream_options":null,"model":"fast"}')
  assert.equal(
    after.requestFor(upstream({ fast: 'm2' })).body?.toString(),
    '{"stream":true,"stream_options":{"include_usage":true},"model":"m2"}',
  )
})

test('an unmapped upstream gets the very same request; a mapped name is made once and parsed only when read', async () => {
  const { models, parses } = await requests('{"model":"fast","n":1}')
  const plain = upstream({ other: 'x' })
  const mapping = upstream({ fast: 'y' })
  assert.equal(models.modelFor(plain), 'fast')
  assert.equal(models.modelFor(mapping), 'y')
  const mapped = models.requestFor(mapping)
  assert.equal(models.requestFor(mapping), mapped)
  assert.equal(parses(), 0)
  assert.deepEqual(mapped.json, { model: 'y', n: 1 })
  assert.equal(parses(), 1)
  // Own keys only.
  assert.equal(models.modelFor(upstream({})), 'fast')
})

test('a request routed by its path, or whose model is no string, is never rewritten', async () => {
  const { models } = await requests('{"model":7}')
  const request = models.requestFor(upstream({ '7': 'x', '/chat/completions': 'y' }))
  assert.equal(request.body?.toString(), '{"model":7}')
  assert.equal(request.model, '/chat/completions')
})
