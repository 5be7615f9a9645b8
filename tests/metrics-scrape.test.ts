// /metrics and /v1/metrics after a scripted mix of requests against real fake upstreams: the numbers must match the script.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import OpenAI from 'openai'
import { completion, json, openaiError, sse, startFakeUpstream, streamOf, type FakeUpstream } from './helpers/fake-upstream.js'
import { hasSeries, parseSamples, sumOf, type Sample } from './helpers/prometheus-samples.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

const p = 'openai_api_route_'
const route = '/v1/chat/completions'

let primary: FakeUpstream
let backup: FakeUpstream
let gateway: TestGateway
let samples: Sample[]

async function scrape(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${gateway.url}${path}`, { headers })
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() }
}

before(async () => {
  primary = await startFakeUpstream()
  backup = await startFakeUpstream(json(200, completion('from backup')))
  gateway = await startTestGateway(
    [
      'authorization: client-key',
      'metrics:',
      '  models: [gpt-4o-mini]',
      'upstreams:',
      `  - name: primary`,
      `    endpoint: ${primary.endpoint}`,
      `  - name: backup`,
      `    endpoint: ${backup.endpoint}`,
      '',
    ].join('\n'),
  )
  const client = new OpenAI({ apiKey: 'client-key', baseURL: gateway.baseURL, maxRetries: 0 })
  const ask = (model = 'gpt-4o-mini') => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello there' }] })
  let requests = 0

  // 3 plain answers from primary, with reported usage (5 prompt + 2 completion tokens each).
  primary.script(json(200, completion('hi')))
  for (let i = 0; i < 3; i++, requests++) await ask()
  // 1 stream from primary without usage in it: its tokens are estimated.
  primary.script(sse(streamOf(['Hello', ' world'])))
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
  for await (const _ of stream) void _
  requests++
  // 2 failovers: primary answers 503, backup answers.
  primary.script(openaiError(503, 'overloaded'))
  for (let i = 0; i < 2; i++, requests++) await ask()
  // 1 request for a model the config does not name: it gets its own label as it is seen (metrics.max_models).
  primary.script(json(200, completion('hi', 'custom-model')))
  await ask('custom-model')
  requests++
  // 1 request with a wrong key: refused before any attempt.
  await assert.rejects(
    new OpenAI({ apiKey: 'wrong', baseURL: gateway.baseURL, maxRetries: 0 }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [],
    }),
    { status: 401 },
  )
  requests++
  // 1 request every upstream fails.
  primary.script(openaiError(500, 'boom'))
  backup.script(openaiError(500, 'boom too'))
  await assert.rejects(ask(), { status: 500 })
  requests++

  // Observers run once the response has ended: wait for the last outcome before scraping.
  await gateway.outcomeAt(requests - 1)
  const scraped = await scrape('/metrics')
  assert.equal(scraped.status, 200)
  assert.equal(scraped.type, 'text/plain; version=0.0.4; charset=utf-8')
  samples = parseSamples(scraped.text)
})

after(async () => {
  await gateway.shutdown()
  await primary.close()
  await backup.close()
})

test('requests by route, model, status class and failover', () => {
  const requests = `${p}requests_total`
  assert.equal(sumOf(samples, requests, { route, model: 'gpt-4o-mini', status_class: '2xx', failover: 'false' }), 4)
  assert.equal(sumOf(samples, requests, { route, model: 'gpt-4o-mini', status_class: '2xx', failover: 'true' }), 2)
  assert.equal(sumOf(samples, requests, { route, model: 'custom-model', status_class: '2xx', failover: 'false' }), 1)
  // The wrong key is refused before its body is read: its model is never known.
  assert.equal(sumOf(samples, requests, { route, model: 'other', status_class: '4xx', failover: 'false' }), 1)
  assert.equal(sumOf(samples, requests, { route, model: 'gpt-4o-mini', status_class: '5xx', failover: 'true' }), 1)
  assert.equal(sumOf(samples, requests), 9)
  assert.equal(sumOf(samples, requests, { model: 'other' }), 1)
})

test('attempts by upstream and outcome, and failovers', () => {
  const attempts = `${p}upstream_attempts_total`
  assert.equal(sumOf(samples, attempts, { upstream: 'primary', outcome: 'ok', error_code: 'none', status_class: '2xx' }), 5)
  assert.equal(sumOf(samples, attempts, { upstream: 'primary', outcome: 'failed', error_code: 'upstream_status', status_class: '5xx' }), 3)
  assert.equal(sumOf(samples, attempts, { upstream: 'backup', outcome: 'ok' }), 2)
  assert.equal(sumOf(samples, attempts, { upstream: 'backup', outcome: 'failed', status_class: '5xx' }), 1)
  assert.equal(sumOf(samples, `${p}failovers_total`, { upstream: 'primary' }), 3)
  assert.equal(sumOf(samples, `${p}failovers_total`, { upstream: 'backup' }), 0)
})

test('histograms per upstream: durations, first bytes, attempts', () => {
  assert.equal(sumOf(samples, `${p}request_duration_seconds_count`, { upstream: 'primary', stream: 'false' }), 4)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_count`, { upstream: 'primary', stream: 'true' }), 1)
  // The all-failed request is answered with backup's error: backup answered it.
  assert.equal(sumOf(samples, `${p}request_duration_seconds_count`, { upstream: 'backup' }), 3)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_count`, { upstream: 'none' }), 1)
  assert.equal(sumOf(samples, `${p}time_to_first_byte_seconds_count`, { upstream: 'primary' }), 5)
  assert.equal(sumOf(samples, `${p}time_to_first_byte_seconds_bucket`, { upstream: 'primary', stream: 'true', le: '+Inf' }), 1)
  assert.equal(sumOf(samples, `${p}upstream_attempt_duration_seconds_count`, { upstream: 'primary' }), 8)
  assert.equal(sumOf(samples, `${p}upstream_attempt_duration_seconds_count`, { upstream: 'backup' }), 3)
  assert.ok(sumOf(samples, `${p}request_duration_seconds_sum`) > 0)
})

test('tokens by model, upstream and kind, reported and estimated', () => {
  const tokens = `${p}tokens_total`
  // 3 plain answers report 5 + 2 each; the failovers' backup answers report the same.
  assert.equal(sumOf(samples, tokens, { model: 'gpt-4o-mini', upstream: 'primary', kind: 'prompt', source: 'reported' }), 15)
  assert.equal(sumOf(samples, tokens, { model: 'gpt-4o-mini', upstream: 'primary', kind: 'completion', source: 'reported' }), 6)
  assert.equal(sumOf(samples, tokens, { model: 'gpt-4o-mini', upstream: 'backup', kind: 'prompt', source: 'reported' }), 10)
  assert.equal(sumOf(samples, tokens, { model: 'custom-model', upstream: 'primary', kind: 'completion', source: 'reported' }), 2)
  assert.ok(
    sumOf(samples, tokens, { model: 'gpt-4o-mini', upstream: 'primary', kind: 'completion', source: 'estimated' }) >= 2,
    'the stream had two words',
  )
  assert.ok(sumOf(samples, tokens, { model: 'gpt-4o-mini', upstream: 'primary', kind: 'prompt', source: 'estimated' }) > 0)
})

test('nothing in flight once every request has ended; process and build metrics are there', () => {
  assert.equal(sumOf(samples, `${p}in_flight_requests`), 0)
  assert.equal(sumOf(samples, `${p}in_flight_streams`), 0)
  assert.ok(sumOf(samples, 'process_cpu_seconds_total') > 0)
  assert.ok(sumOf(samples, 'process_resident_memory_bytes') > 0)
  assert.ok(Math.abs(sumOf(samples, 'process_start_time_seconds') - Date.now() / 1000) < 3600)
  assert.ok(hasSeries(samples, 'nodejs_eventloop_lag_seconds'))
  assert.ok(hasSeries(samples, 'nodejs_heap_size_used_bytes'))
  assert.equal(sumOf(samples, `${p}build_info`, { version: '0.1.0' }), 1)
})

test("/v1/metrics, the predecessor's path, serves the same metrics", async () => {
  const v1 = parseSamples((await scrape('/v1/metrics')).text)
  assert.equal(sumOf(v1, `${p}requests_total`), 9)
  assert.equal(sumOf(v1, `${p}upstream_attempts_total`, { upstream: 'primary', outcome: 'failed' }), 3)
})

test('keys, users and request ids are never labels', () => {
  const values = new Set(samples.flatMap((sample) => Object.values(sample.labels)))
  assert.ok(![...values].some((value) => value.includes('client-key') || value.startsWith('key-')))
  const ids = new Set(gateway.outcomes.map((outcome) => outcome.requestId))
  assert.ok(![...values].some((value) => ids.has(value)))
})
