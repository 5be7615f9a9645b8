// orderByPolicy: order, random, weighted (in proportion to weight, measured over many seeded draws) and latency.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { orderByPolicy, type LatencyOf } from './order-by-policy.js'

const upstream = (name: string, weight = 1): UpstreamConfig => ({ name, weight }) as unknown as UpstreamConfig
const names = (upstreams: readonly UpstreamConfig[]): string[] => upstreams.map((u) => u.name)
const noRandom = (): number => {
  throw new Error('this policy must not draw random numbers')
}
const noLatency: LatencyOf = () => {
  throw new Error('this policy must not read latencies')
}

/** mulberry32: a small seeded generator, so the statistical test is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('order keeps the config order and leaves its input alone', () => {
  const input = [upstream('a'), upstream('b'), upstream('c')]
  const ordered = orderByPolicy(input, 'order', noRandom, noLatency)
  assert.deepEqual(names(ordered), ['a', 'b', 'c'])
  assert.notEqual(ordered, input)
})

test('weighted: the first choice falls on each upstream in proportion to its weight', () => {
  const candidates = [upstream('a', 1), upstream('b', 2), upstream('c', 3)]
  const random = seeded(13)
  const n = 30_000
  const first = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const ordered = names(orderByPolicy(candidates, 'weighted', random, noLatency))
    assert.deepEqual([...ordered].sort(), ['a', 'b', 'c'])
    first.set(ordered[0] as string, (first.get(ordered[0] as string) ?? 0) + 1)
  }
  for (const [name, p] of [
    ['a', 1 / 6],
    ['b', 2 / 6],
    ['c', 3 / 6],
  ] as const) {
    // Five standard deviations of a binomial count: a correct draw falls outside about once in 1.7 million.
    const tolerance = 5 * Math.sqrt(n * p * (1 - p))
    const count = first.get(name) ?? 0
    assert.ok(Math.abs(count - n * p) <= tolerance, `${name}: ${count} first choices, expected ${n * p} ± ${tolerance.toFixed(0)}`)
  }
})

test('weighted: the failover order is drawn by weight too, among the upstreams not drawn yet', () => {
  // Once a (weight 1) is drawn first, b (1) and c (3) follow as 1:3.
  const candidates = [upstream('a', 1), upstream('b', 1), upstream('c', 3)]
  const random = seeded(7)
  let afterA = 0
  let cSecond = 0
  for (let i = 0; i < 30_000; i++) {
    const ordered = names(orderByPolicy(candidates, 'weighted', random, noLatency))
    if (ordered[0] !== 'a') continue
    afterA++
    if (ordered[1] === 'c') cSecond++
  }
  const p = 3 / 4
  const tolerance = 5 * Math.sqrt(afterA * p * (1 - p))
  assert.ok(Math.abs(cSecond - afterA * p) <= tolerance, `c second in ${cSecond} of ${afterA}`)
})

test('weighted: weight 0 is never first while a weighted upstream remains; such upstreams follow in config order', () => {
  const candidates = [upstream('spare-1', 0), upstream('a', 2), upstream('spare-2', 0), upstream('b', 1)]
  const random = seeded(1)
  for (let i = 0; i < 1000; i++) {
    assert.deepEqual(names(orderByPolicy(candidates, 'weighted', random, noLatency)).slice(2), ['spare-1', 'spare-2'])
  }
  // Only failover-only candidates: config order, no draw.
  assert.deepEqual(names(orderByPolicy([upstream('x', 0), upstream('y', 0)], 'weighted', noRandom, noLatency)), ['x', 'y'])
})

test('weighted: a random() at the top of its range still picks a weighted upstream', () => {
  const ordered = orderByPolicy([upstream('a', 1), upstream('b', 1), upstream('z', 0)], 'weighted', () => 0.9999999999, noLatency)
  assert.deepEqual(names(ordered), ['b', 'a', 'z'])
})

test('latency: fastest estimate first, never-measured ones before any, ties in config order', () => {
  const estimates: Record<string, number | undefined> = { slow: 900, fast: 120, new: undefined, tie: 120 }
  const candidates = [upstream('slow'), upstream('fast'), upstream('new'), upstream('tie')]
  const ordered = orderByPolicy(candidates, 'latency', noRandom, (u) => estimates[u.name])
  assert.deepEqual(names(ordered), ['new', 'fast', 'tie', 'slow'])
})
