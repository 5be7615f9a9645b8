// alertObserver: which finished requests become which alert events.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AttemptRecord, RequestOutcome } from '../../outcome/request-outcome.js'
import type { AlertEvents } from './alert-events.js'
import { alertObserver } from './alert-observer.js'

const ok = (upstream: string): AttemptRecord => ({
  upstream,
  upstreamIndex: 0,
  outcome: 'ok',
  status: 200,
  errorCode: undefined,
  durationMs: 1,
})
const failed = (upstream: string, status?: number): AttemptRecord => ({
  upstream,
  upstreamIndex: 0,
  outcome: 'failed',
  status,
  errorCode: status === undefined ? 'upstream_timeout' : 'upstream_status',
  durationMs: 1,
})

function run(attempts: AttemptRecord[], status: number, model = 'gpt-4o', followsBreaker: ReadonlySet<string> = new Set()): string[] {
  const events: string[] = []
  const sink: AlertEvents = {
    upstreamAttempts: (upstream, isOk, count, detail) =>
      events.push(`attempt ${upstream} ${isOk ? 'ok' : 'failed'} x${count} ${detail}`.trimEnd()),
    modelRequests: (label, allFailed, count, detail) =>
      events.push(`request ${label} ${allFailed ? 'all-failed' : 'ok'} x${count} ${detail}`.trimEnd()),
    storeChecked: () => undefined,
    upstreamBreaker: () => undefined,
    configReloaded: () => undefined,
  }
  const observe = alertObserver(sink, (m) => (m === 'gpt-4o' ? m : 'other'), followsBreaker)
  observe({ attempts, status, model, errorCode: status >= 400 ? 'upstream_status' : undefined } as unknown as RequestOutcome)
  return events
}

test('a failover: the failed upstream and the good one, and the model succeeded', () => {
  assert.deepEqual(run([failed('a', 503), ok('b')], 200), [
    'attempt a failed x1 upstream_status, HTTP 503',
    'attempt b ok x1',
    'request gpt-4o ok x1',
  ])
})

test('every upstream failed: each attempt, then the model under its bounded label', () => {
  assert.deepEqual(run([failed('a', 503), failed('b')], 504, 'unlisted'), [
    'attempt a failed x1 upstream_status, HTTP 503',
    'attempt b failed x1 upstream_timeout',
    'request other all-failed x1 HTTP 504 upstream_status, 2 upstreams tried',
  ])
})

test('nothing for requests the gateway refused before any attempt, or that the client abandoned', () => {
  assert.deepEqual(run([], 401), [])
  assert.deepEqual(run([{ ...ok('a'), outcome: 'client_closed', errorCode: 'client_closed' }], 499), [])
})

test('a stream that broke after its first byte is an upstream failure, not an all-failed request', () => {
  assert.deepEqual(run([failed('a')], 200), ['attempt a failed x1 upstream_timeout'])
})

test('nothing for an attempt cut by the shutdown deadline; an earlier real failure still counts', () => {
  const cut: AttemptRecord = { ...ok('b'), outcome: 'failed', errorCode: 'shutting_down' }
  assert.deepEqual(run([cut], 200), [])
  assert.deepEqual(run([cut], 503), [])
  assert.deepEqual(run([failed('a', 503), cut], 503), ['attempt a failed x1 upstream_status, HTTP 503'])
})

test("nothing against the upstream or the model for an attempt ended by the gateway's own bug; an earlier real failure still counts", () => {
  const bug: AttemptRecord = {
    upstream: 'b',
    upstreamIndex: 1,
    outcome: 'internal_error',
    status: undefined,
    errorCode: 'internal_error',
    durationMs: 1,
  }
  assert.deepEqual(run([bug], 500), [])
  assert.deepEqual(run([failed('a', 503), bug], 500), ['attempt a failed x1 upstream_status, HTTP 503'])
})

test("an upstream whose incident follows its breaker gets no attempt events; the model's still count", () => {
  assert.deepEqual(run([failed('a', 503), ok('b')], 200, 'gpt-4o', new Set(['a'])), ['attempt b ok x1', 'request gpt-4o ok x1'])
  assert.deepEqual(run([failed('a', 503)], 503, 'gpt-4o', new Set(['a'])), [
    'request gpt-4o all-failed x1 HTTP 503 upstream_status, 1 upstream tried',
  ])
})
