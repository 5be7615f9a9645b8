// orderByHealth: open upstreams go to the end, soonest recovery first; all rate-limited refuses; nothing is lost.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { orderByHealth, type UpstreamHealthView } from './order-by-health.js'

const upstreams = ['a', 'b', 'c', 'd'].map((name, index) => ({ name, index }) as UpstreamConfig)
const closed: UpstreamHealthView = { usable: true, recoversAt: 0, rateLimited: false }
const openUntil = (recoversAt: number, rateLimited = false): UpstreamHealthView => ({ usable: false, recoversAt, rateLimited })

function order(views: Record<string, UpstreamHealthView>): string[] | string {
  const result = orderByHealth(upstreams, (upstream) => views[upstream.name] ?? closed)
  if (result.kind === 'rate_limited') return `rate_limited until ${result.retryAt}`
  return [...result.attempts.map((u) => u.name), '|', ...result.skipped.map((u) => u.name)]
}

test('with every breaker closed the policy order is kept, and the same array comes back', () => {
  const result = orderByHealth(upstreams, () => closed)
  assert.equal(result.kind === 'attempts' && result.attempts, upstreams)
})

test('open upstreams move to the end in order of soonest recovery, ties in the policy order; none is removed', () => {
  assert.deepEqual(order({ a: openUntil(500) }), ['b', 'c', 'd', 'a', '|', 'a'])
  assert.deepEqual(order({ a: openUntil(900), c: openUntil(100), d: openUntil(900) }), ['b', 'c', 'a', 'd', '|', 'c', 'a', 'd'])
  assert.deepEqual(order({ b: openUntil(300, true), d: openUntil(200) }), ['a', 'c', 'd', 'b', '|', 'd', 'b'])
})

test('all open: tried in order of recovery; all open on a back-off signal: refused until the soonest one ends', () => {
  const allOpen = { a: openUntil(40), b: openUntil(10), c: openUntil(30, true), d: openUntil(20, true) }
  assert.deepEqual(order(allOpen), ['b', 'd', 'c', 'a', '|', 'b', 'd', 'c', 'a'])
  const allLimited = { a: openUntil(40, true), b: openUntil(10_500, true), c: openUntil(30, true), d: openUntil(20, true) }
  assert.equal(order(allLimited), 'rate_limited until 20')
})
