import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import { ManualClock } from '../time/manual-clock.js'
import { AttemptSteps, type NextLeg, type RelayLeg, type StepFailure } from './attempt-steps.js'

function upstream(name: string, overrides: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return {
    name,
    retries: 1,
    retryBackoffMs: 1000,
    maxRetryWaitMs: 0,
    firstByteTimeoutMs: 30_000,
    streamFirstByteTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    totalTimeoutMs: 0,
    ...overrides,
  } as UpstreamConfig
}

const request = {} as UpstreamRequest
const leg = (model: string, plan: UpstreamConfig[], final = true): RelayLeg => ({ model, plan, requestFor: () => request, final })
const status503: StepFailure = {
  error: new GatewayError('upstream_status', 'upstream answered 503', { status: 503 }),
  answer: { status: 503, headers: [], body: Buffer.alloc(0) },
  failsOver: true,
}

test('a failed attempt is retried on its upstream, then the plan moves on', () => {
  const steps = new AttemptSteps({ clock: new ManualClock(), random: () => 0, nextLeg: undefined, stream: false })
  const first = steps.first(leg('m', [upstream('a'), upstream('b')]))
  assert.ok(first !== undefined)
  steps.begin(first)
  const retry = steps.after(first, status503)
  assert.deepEqual([retry?.upstream.name, retry?.retry, retry?.waitMs, retry?.reason], ['a', 1, 500, 'backoff'])
  const next = steps.after(retry as NonNullable<typeof retry>, status503)
  assert.deepEqual([next?.upstream.name, next?.retry, next?.waitMs], ['b', 0, 0])
})

test('a retry gets a fresh first-byte deadline and what is left of the upstream total_timeout', () => {
  const clock = new ManualClock()
  const steps = new AttemptSteps({ clock, random: () => 0, nextLeg: undefined, stream: false })
  const first = steps.first(leg('m', [upstream('a', { totalTimeoutMs: 4000 })]))
  assert.ok(first !== undefined)
  assert.deepEqual(steps.begin(first), { firstByteMs: 30_000, idleMs: 60_000, totalMs: 4000 })
  clock.advance(1000)
  const retry = steps.after(first, status503)
  assert.ok(retry !== undefined)
  assert.equal(retry.waitMs, 500)
  clock.advance(500)
  assert.deepEqual(steps.begin(retry), { firstByteMs: 30_000, idleMs: 60_000, totalMs: 2500 })
})

test('no retry when its backoff would use up the rest of total_timeout', () => {
  const clock = new ManualClock()
  const steps = new AttemptSteps({ clock, random: () => 0, nextLeg: undefined, stream: false })
  const first = steps.first(leg('m', [upstream('a', { totalTimeoutMs: 4000 })]))
  assert.ok(first !== undefined)
  steps.begin(first)
  clock.advance(3500)
  assert.equal(steps.after(first, status503), undefined)
})

test('after the last candidate come the fallback models in order, skipping one nobody serves', () => {
  const legs: Record<string, RelayLeg> = { small: leg('small', [upstream('a', { retries: 0 })], false), empty: leg('empty', [], false) }
  legs['large'] = leg('large', [upstream('b')])
  const order = ['small', 'empty', 'large']
  const nextLeg: NextLeg = (failed) => legs[order[order.indexOf(failed.model) + 1] ?? '']
  const steps = new AttemptSteps({ clock: new ManualClock(), random: () => 0, nextLeg, stream: true })
  const first = steps.first(legs['small'] as RelayLeg)
  assert.ok(first !== undefined)
  // Not the request's last candidate: a stream keeps its short first-byte deadline.
  assert.equal(steps.begin(first).firstByteMs, 10_000)
  const fallback = steps.after(first, status503)
  assert.deepEqual([fallback?.leg.model, fallback?.upstream.name], ['large', 'b'])
  assert.equal(steps.begin(fallback as NonNullable<typeof fallback>).firstByteMs, 30_000)
})

test('a 400 context_length_exceeded goes straight to the fallback model; another failure that does not fail over ends', () => {
  const legs = { small: leg('small', [upstream('a'), upstream('b')], false), large: leg('large', [upstream('c')]) }
  const steps = new AttemptSteps({
    clock: new ManualClock(),
    random: () => 0,
    nextLeg: (failed) => (failed.model === 'small' ? legs.large : undefined),
    stream: false,
  })
  const first = steps.first(legs.small)
  assert.ok(first !== undefined)
  const tooLong: StepFailure = {
    error: new GatewayError('upstream_context_length', 'too long', { status: 400 }),
    answer: { status: 400, headers: [], body: Buffer.alloc(0) },
    failsOver: false,
  }
  assert.deepEqual(steps.after(first, tooLong)?.upstream.name, 'c')
  const internal: StepFailure = { error: new GatewayError('internal_error', 'bug'), answer: undefined, failsOver: false }
  assert.equal(steps.after(first, internal), undefined)
})
