// GatewayMetrics.observe: what each kind of finished request adds, with bounded labels.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AttemptRecord, RequestOutcome } from '../../outcome/request-outcome.js'
import { hasSeries, parseSamples, sumOf, type Sample } from '../../../tests/helpers/prometheus-samples.js'
import { PriceTable } from '../../spend/price-table.js'
import { GatewayMetrics } from './gateway-metrics.js'
import { mergeSnapshots } from './merge-snapshots.js'
import { renderPrometheusText } from './prometheus-text.js'

const ok = (upstream: string, durationMs = 20): AttemptRecord => ({
  upstream,
  upstreamIndex: 0,
  outcome: 'ok',
  status: 200,
  errorCode: undefined,
  durationMs,
})
const failed = (upstream: string, status: number | undefined, errorCode: AttemptRecord['errorCode']): AttemptRecord => ({
  upstream,
  upstreamIndex: 1,
  outcome: 'failed',
  status,
  errorCode,
  durationMs: 5,
})

function outcome(overrides: Partial<RequestOutcome>): RequestOutcome {
  return {
    requestId: 'r',
    startedAt: 0,
    method: 'POST',
    path: '/v1/chat/completions',
    clientIp: '127.0.0.1',
    userAgent: '',
    identity: { kind: 'key', fingerprint: 'key-secretish' },
    model: 'gpt-4o',
    stream: false,
    upstream: 'a',
    attempts: [ok('a')],
    status: 200,
    errorCode: undefined,
    firstByteMs: 10,
    totalMs: 30,
    bytesIn: 1,
    bytesOut: 1,
    requestBody: null,
    requestHeaders: {},
    usage: undefined,
    responseText: undefined,
    ...overrides,
  }
}

function scrape(metrics: GatewayMetrics): Sample[] {
  return parseSamples(renderPrometheusText(metrics.registry.snapshot()))
}

const p = 'openai_api_route_'

test('requests count by route, model, status class and failover; with no room for seen models, unknown models count as other', () => {
  const metrics = new GatewayMetrics({ models: new Set(['gpt-4o']), maxSeenModels: 0, version: 't' })
  metrics.observe(outcome({}))
  metrics.observe(outcome({}))
  metrics.observe(outcome({ attempts: [failed('a', 503, 'upstream_status'), ok('b')], upstream: 'b' }))
  metrics.observe(outcome({ model: 'made-up-by-a-client-1' }))
  metrics.observe(
    outcome({
      model: 'made-up-by-a-client-2',
      status: 401,
      errorCode: 'invalid_api_key',
      attempts: [],
      upstream: undefined,
      firstByteMs: undefined,
    }),
  )
  const samples = scrape(metrics)
  assert.equal(
    sumOf(samples, `${p}requests_total`, { route: '/v1/chat/completions', model: 'gpt-4o', status_class: '2xx', failover: 'false' }),
    2,
  )
  assert.equal(sumOf(samples, `${p}requests_total`, { model: 'gpt-4o', failover: 'true' }), 1)
  assert.equal(sumOf(samples, `${p}requests_total`, { model: 'other', status_class: '2xx' }), 1)
  assert.equal(sumOf(samples, `${p}requests_total`, { model: 'other', status_class: '4xx' }), 1)
  assert.ok(
    !samples.some((s) => Object.values(s.labels).some((v) => v.startsWith('made-up'))),
    'client-chosen model names never become labels',
  )
  assert.ok(!samples.some((s) => Object.values(s.labels).includes('key-secretish')), 'keys never become labels')
})

test('attempts by upstream, outcome, error code and status class; failovers by the upstream left', () => {
  const metrics = new GatewayMetrics({ models: new Set(), maxSeenModels: 0, version: 't' })
  metrics.observe(
    outcome({ attempts: [failed('a', 503, 'upstream_status'), failed('b', undefined, 'upstream_timeout'), ok('c')], upstream: 'c' }),
  )
  metrics.observe(
    outcome({
      attempts: [{ ...ok('a'), outcome: 'client_closed', errorCode: 'client_closed', status: undefined }],
      upstream: undefined,
      status: 499,
      errorCode: 'client_closed',
    }),
  )
  const samples = scrape(metrics)
  const attempts = `${p}upstream_attempts_total`
  assert.equal(sumOf(samples, attempts, { upstream: 'a', outcome: 'failed', error_code: 'upstream_status', status_class: '5xx' }), 1)
  assert.equal(sumOf(samples, attempts, { upstream: 'b', outcome: 'failed', error_code: 'upstream_timeout', status_class: 'none' }), 1)
  assert.equal(sumOf(samples, attempts, { upstream: 'c', outcome: 'ok', error_code: 'none', status_class: '2xx' }), 1)
  assert.equal(sumOf(samples, attempts, { upstream: 'a', outcome: 'client_closed' }), 1)
  assert.equal(sumOf(samples, `${p}failovers_total`, { upstream: 'a' }), 1)
  assert.equal(sumOf(samples, `${p}failovers_total`, { upstream: 'b' }), 1)
  assert.equal(sumOf(samples, `${p}failovers_total`), 2)
  assert.equal(sumOf(samples, `${p}upstream_attempt_duration_seconds_count`), 4)
})

test("an attempt ended by the gateway's own bug is counted as internal_error, never as the upstream's failure", () => {
  const metrics = new GatewayMetrics({ models: new Set(), maxSeenModels: 0, version: 't' })
  const bug: AttemptRecord = {
    upstream: 'a',
    upstreamIndex: 0,
    outcome: 'internal_error',
    status: undefined,
    errorCode: 'internal_error',
    durationMs: 1,
  }
  metrics.observe(outcome({ attempts: [bug], upstream: undefined, status: 500, errorCode: 'internal_error' }))
  const samples = scrape(metrics)
  const attempts = `${p}upstream_attempts_total`
  assert.equal(
    sumOf(samples, attempts, { upstream: 'a', outcome: 'internal_error', error_code: 'internal_error', status_class: 'none' }),
    1,
  )
  assert.equal(sumOf(samples, attempts, { upstream: 'a', outcome: 'failed' }), 0)
})

test('durations per answering upstream and stream; no first-byte sample when nothing was sent', () => {
  const metrics = new GatewayMetrics({ models: new Set(), maxSeenModels: 0, version: 't' })
  metrics.observe(outcome({ stream: true, totalMs: 1500, firstByteMs: 200 }))
  metrics.observe(outcome({ upstream: undefined, attempts: [], status: 401, firstByteMs: undefined, totalMs: 1 }))
  const samples = scrape(metrics)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_count`, { upstream: 'a', stream: 'true' }), 1)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_sum`, { upstream: 'a', stream: 'true' }), 1.5)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_bucket`, { upstream: 'a', le: '1' }), 0)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_bucket`, { upstream: 'a', le: '2.5' }), 1)
  assert.equal(sumOf(samples, `${p}time_to_first_byte_seconds_sum`, { upstream: 'a', stream: 'true' }), 0.2)
  assert.equal(sumOf(samples, `${p}request_duration_seconds_count`, { upstream: 'none' }), 1)
  assert.ok(!hasSeries(samples, `${p}time_to_first_byte_seconds_count`, { upstream: 'none' }))
})

test('tokens by model, upstream, kind and source', () => {
  const metrics = new GatewayMetrics({ models: new Set(['gpt-4o']), maxSeenModels: 0, version: 't' })
  metrics.observe(outcome({ usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, source: 'reported' } }))
  metrics.observe(outcome({ usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, source: 'reported' } }))
  metrics.observe(outcome({ usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10, source: 'estimated' } }))
  const samples = scrape(metrics)
  const tokens = `${p}tokens_total`
  assert.equal(sumOf(samples, tokens, { model: 'gpt-4o', upstream: 'a', kind: 'prompt', source: 'reported' }), 20)
  assert.equal(sumOf(samples, tokens, { model: 'gpt-4o', upstream: 'a', kind: 'completion', source: 'reported' }), 10)
  assert.equal(sumOf(samples, tokens, { kind: 'prompt', source: 'estimated' }), 7)
  assert.equal(sumOf(samples, tokens, { kind: 'completion', source: 'estimated' }), 3)
})

test("tokens and cost carry the named key's name; predecessor keys and strangers are unnamed", () => {
  const prices = new PriceTable({ 'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: undefined } })
  const metrics = new GatewayMetrics({ models: new Set(['fast']), maxSeenModels: 0, version: 't', prices })
  const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000, totalTokens: 2_000_000, source: 'reported' as const }
  const alice = { kind: 'key' as const, fingerprint: 'key-a11ce', name: 'alice' }
  metrics.observe(outcome({ identity: alice, model: 'fast', upstreamModel: 'gpt-4o-mini', usage }))
  metrics.observe(outcome({ identity: alice, model: 'fast', upstreamModel: 'gpt-4o-mini', usage: { ...usage, source: 'estimated' } }))
  metrics.observe(outcome({ model: 'fast', upstreamModel: 'gpt-4o-mini', usage }))
  metrics.observe(outcome({ identity: { kind: 'anonymous', fingerprint: 'key-stranger' }, model: 'gpt-4o-mini', usage }))
  // No price for its model: tokens, but no cost.
  metrics.observe(outcome({ identity: alice, model: 'llama3', usage }))
  const samples = scrape(metrics)
  const tokens = `${p}tokens_total`
  assert.equal(sumOf(samples, tokens, { key: 'alice', model: 'fast', kind: 'prompt', source: 'reported' }), 1_000_000)
  assert.equal(sumOf(samples, tokens, { key: 'alice', kind: 'completion' }), 3_000_000)
  assert.equal(sumOf(samples, tokens, { key: 'unnamed', kind: 'prompt' }), 2_000_000)
  const cost = `${p}cost_usd_total`
  assert.equal(sumOf(samples, cost, { key: 'alice', model: 'fast', upstream: 'a' }), 1.5)
  assert.equal(sumOf(samples, cost, { key: 'unnamed' }), 1.5)
  assert.equal(sumOf(samples, cost, { model: 'other' }), 0.75, 'the client model label stays bounded')
  assert.ok(!samples.some((s) => Object.values(s.labels).some((v) => v.startsWith('key-'))), 'fingerprints never become labels')
})

test('without prices no cost is counted', () => {
  const metrics = new GatewayMetrics({ models: new Set(['gpt-4o']), maxSeenModels: 0, version: 't' })
  metrics.observe(outcome({ usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, source: 'reported' } }))
  assert.ok(!hasSeries(scrape(metrics), `${p}cost_usd_total`))
})

test('limit refusals by key and reason, and limit store errors, add up across workers', () => {
  const worker = (): GatewayMetrics => new GatewayMetrics({ models: new Set(), maxSeenModels: 0, version: 't' })
  const one = worker()
  const two = worker()
  one.countLimitRefusal('alice', 'requests')
  one.countLimitRefusal('alice', 'requests')
  one.countLimitRefusal('alice', 'budget_usd')
  two.countLimitRefusal('alice', 'requests')
  two.countLimitRefusal('bob', 'concurrency')
  one.countLimitStoreError()
  two.countLimitStoreError()
  two.countLimitStoreError()
  const merged = parseSamples(renderPrometheusText(mergeSnapshots([one.registry.snapshot(), two.registry.snapshot()])))
  const refusals = `${p}limit_refusals_total`
  assert.equal(sumOf(merged, refusals, { key: 'alice', reason: 'requests' }), 3)
  assert.equal(sumOf(merged, refusals, { key: 'alice', reason: 'budget_usd' }), 1)
  assert.equal(sumOf(merged, refusals, { key: 'bob', reason: 'concurrency' }), 1)
  assert.equal(sumOf(merged, `${p}limit_store_errors_total`), 3)
})

test('cost adds up across workers', () => {
  const prices = new PriceTable({ 'gpt-4o': { input: 2.5, output: 10, cachedInput: undefined } })
  const worker = (): GatewayMetrics => new GatewayMetrics({ models: new Set(['gpt-4o']), maxSeenModels: 0, version: 't', prices })
  const one = worker()
  const two = worker()
  const usage = { promptTokens: 1000, completionTokens: 100, totalTokens: 1100, source: 'reported' as const }
  one.observe(outcome({ identity: { kind: 'key', fingerprint: 'key-1', name: 'alice' }, usage }))
  two.observe(outcome({ identity: { kind: 'key', fingerprint: 'key-1', name: 'alice' }, usage }))
  const merged = parseSamples(renderPrometheusText(mergeSnapshots([one.registry.snapshot(), two.registry.snapshot()])))
  assert.equal(sumOf(merged, `${p}cost_usd_total`, { key: 'alice', model: 'gpt-4o', upstream: 'a' }), 0.007)
})

test('in-flight gauges, record queue, alert counters, config reloads and build info are read at scrape time', () => {
  const metrics = new GatewayMetrics({ models: new Set(), maxSeenModels: 0, version: '9.9.9' })
  metrics.inFlight.requests = 3
  metrics.inFlight.streams = 2
  let samples = scrape(metrics)
  assert.equal(sumOf(samples, `${p}in_flight_requests`), 3)
  assert.equal(sumOf(samples, `${p}in_flight_streams`), 2)
  assert.ok(!hasSeries(samples, `${p}record_queue_depth`), 'no record writer attached: no sample')
  metrics.attachRecordQueue({ depth: () => 12, written: () => 340, dropped: () => 5 })
  metrics.alertCounters.sent('feishu')
  metrics.alertCounters.failed('matrix')
  metrics.alertCounters.suppressed('repeat', 297)
  metrics.configReloaded('error')
  samples = scrape(metrics)
  assert.equal(sumOf(samples, `${p}record_queue_depth`), 12)
  assert.equal(sumOf(samples, `${p}records_written_total`), 340)
  assert.equal(sumOf(samples, `${p}records_dropped_total`), 5)
  assert.equal(sumOf(samples, `${p}alerts_sent_total`, { sink: 'feishu' }), 1)
  assert.equal(sumOf(samples, `${p}alert_send_failures_total`, { sink: 'matrix' }), 1)
  assert.equal(sumOf(samples, `${p}alerts_suppressed_total`, { reason: 'repeat' }), 297)
  assert.equal(sumOf(samples, `${p}config_reloads_total`, { result: 'error' }), 1)
  assert.equal(sumOf(samples, `${p}config_reloads_total`, { result: 'ok' }), 0)
  assert.equal(sumOf(samples, `${p}build_info`, { version: '9.9.9' }), 1)
})

test('models seen in relayed requests get their own label up to maxSeenModels, then count as other', () => {
  const metrics = new GatewayMetrics({ models: new Set(['gpt-4o']), maxSeenModels: 2, version: 't' })
  const refused = { status: 401, errorCode: 'invalid_api_key' as const, attempts: [], upstream: undefined, firstByteMs: undefined }
  metrics.observe(outcome({ model: 'stranger-junk', ...refused }))
  metrics.observe(outcome({ model: 'llama-3' }))
  metrics.observe(outcome({ model: 'gpt-4o' }))
  metrics.observe(outcome({ model: 'qwen-2', usage: { promptTokens: 4, completionTokens: 1, totalTokens: 5, source: 'reported' } }))
  metrics.observe(outcome({ model: 'mistral' }))
  metrics.observe(outcome({ model: 'llama-3' }))
  metrics.observe(outcome({ model: 'stranger-junk' }))
  const samples = scrape(metrics)
  const requests = `${p}requests_total`
  assert.equal(sumOf(samples, requests, { model: 'gpt-4o' }), 1, 'configured models do not use up the bound')
  assert.equal(sumOf(samples, requests, { model: 'llama-3' }), 2)
  assert.equal(sumOf(samples, requests, { model: 'qwen-2' }), 1)
  assert.equal(sumOf(samples, `${p}tokens_total`, { model: 'qwen-2', kind: 'prompt' }), 4)
  // The bound is reached: later models, and a model first seen in a refused request, are other.
  assert.equal(sumOf(samples, requests, { model: 'other' }), 3)
  assert.ok(!hasSeries(samples, requests, { model: 'mistral' }))
  assert.ok(!hasSeries(samples, requests, { model: 'stranger-junk' }))
  assert.equal(metrics.modelLabels.labelOf('llama-3'), 'llama-3', 'alerts name the model by the same label')
  assert.equal(metrics.modelLabels.labelOf('mistral'), 'other')
})

test("requests answered under an upstream's own model name count by the client's model, the upstream and that name", () => {
  const metrics = new GatewayMetrics({ models: new Set(['fast']), maxSeenModels: 0, version: 't' })
  metrics.observe(outcome({ model: 'fast', upstream: 'anthropic', upstreamModel: 'claude-haiku-4-5', attempts: [ok('anthropic')] }))
  metrics.observe(outcome({ model: 'fast', upstream: 'anthropic', upstreamModel: 'claude-haiku-4-5', attempts: [ok('anthropic')] }))
  // Unmapped, or nothing answered: not counted there.
  metrics.observe(outcome({ model: 'fast', upstream: 'a', upstreamModel: 'fast' }))
  metrics.observe(outcome({ model: 'fast', upstream: undefined, upstreamModel: undefined, status: 502 }))
  const samples = scrape(metrics)
  const mapped = `${p}model_mapped_requests_total`
  assert.equal(sumOf(samples, mapped, { model: 'fast', upstream: 'anthropic', upstream_model: 'claude-haiku-4-5' }), 2)
  assert.equal(sumOf(samples, mapped, {}), 2)
})
