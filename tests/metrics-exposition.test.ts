// One gateway process's /metrics as Prometheus reads it: promtool accepts it, and models get their own label
// as they are seen, up to metrics.max_models, escaped, then `other`.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import OpenAI from 'openai'
import { expositionProblems } from './helpers/exposition-problems.js'
import { completion, json, openaiError, startFakeUpstream } from './helpers/fake-upstream.js'
import { hasSeries, parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { promtoolCheckMetrics, promtoolSkipReason } from './helpers/promtool.js'
import { startTestGateway } from './helpers/test-gateway.js'

const requestsTotal = 'openai_api_route_requests_total'

test('distinct models seen get their own label up to metrics.max_models, then other; strangers add none', async () => {
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  const gateway = await startTestGateway(
    ['authorization: client-key', 'metrics:', '  max_models: 3', 'upstreams:', `  - endpoint: ${upstream.endpoint}`, ''].join('\n'),
  )
  try {
    const client = new OpenAI({ apiKey: 'client-key', baseURL: gateway.baseURL, maxRetries: 0 })
    const stranger = new OpenAI({ apiKey: 'wrong-key', baseURL: gateway.baseURL, maxRetries: 0 })
    let requests = 0
    // A stranger's model comes first, but a refused request gives no label.
    await assert.rejects(stranger.chat.completions.create({ model: 'stranger-model', messages: [] }), { status: 401 })
    requests++
    const seen = ['llama-3.1-70b', 'qwen"2\\72b', 'mistral-large', 'gemma-2', 'phi-4']
    for (const model of [...seen, 'llama-3.1-70b', 'stranger-model']) {
      await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      requests++
    }
    await gateway.outcomeAt(requests - 1)
    const text = await (await fetch(`${gateway.url}/metrics`)).text()
    const samples = parseSamples(text)
    assert.equal(sumOf(samples, requestsTotal, { model: 'llama-3.1-70b' }), 2)
    assert.equal(sumOf(samples, requestsTotal, { model: 'qwen"2\\72b' }), 1, 'escaped in the scrape, read back as sent')
    assert.ok(text.includes('model="qwen\\"2\\\\72b"'))
    assert.equal(sumOf(samples, requestsTotal, { model: 'mistral-large' }), 1)
    // The fourth and fifth distinct models, and the stranger's model seen only now, are past the bound.
    for (const model of ['gemma-2', 'phi-4', 'stranger-model']) assert.ok(!hasSeries(samples, requestsTotal, { model }), model)
    assert.equal(sumOf(samples, requestsTotal, { model: 'other' }), 4)
    assert.equal(sumOf(samples, requestsTotal), requests)
  } finally {
    await gateway.shutdown()
    await upstream.close()
  }
})

test("a single process's scrape after a mix of requests passes promtool check metrics", { skip: promtoolSkipReason() }, async () => {
  const primary = await startFakeUpstream(json(200, completion('ok')))
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  const gateway = await startTestGateway(
    [
      'authorization: client-key',
      'upstreams:',
      `  - { name: primary, endpoint: "${primary.endpoint}" }`,
      `  - { name: backup, endpoint: "${backup.endpoint}" }`,
      '',
    ].join('\n'),
  )
  try {
    const client = new OpenAI({ apiKey: 'client-key', baseURL: gateway.baseURL, maxRetries: 0 })
    let requests = 0
    for (const model of ['gpt-4o', 'a "quoted" \\ model', 'x'.repeat(500), 'new\nline']) {
      await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      requests++
    }
    primary.script(openaiError(503, 'overloaded'), json(200, completion('ok')))
    await client.chat.completions.create({ model: 'gpt-4o', messages: [] })
    requests++
    await assert.rejects(new OpenAI({ apiKey: 'nope', baseURL: gateway.baseURL, maxRetries: 0 }).models.list(), { status: 401 })
    requests++
    await gateway.outcomeAt(requests - 1)
    const text = await (await fetch(`${gateway.url}/metrics`)).text()
    assert.deepEqual(expositionProblems(text), [])
    const checked = await promtoolCheckMetrics(text)
    assert.equal(checked.code, 0, checked.output)
    assert.ok(sumOf(parseSamples(text), 'openai_api_route_failovers_total', { upstream: 'primary' }) === 1)
  } finally {
    await gateway.shutdown()
    await primary.close()
    await backup.close()
  }
})
