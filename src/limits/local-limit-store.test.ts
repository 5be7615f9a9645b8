import assert from 'node:assert/strict'
import { test } from 'node:test'
import { noKeyLimits, type KeyLimits } from '../config/gateway-config.js'
import { ManualClock } from '../time/manual-clock.js'
import type { LimitDecision, LimitLease, LimitRequest, LimitStatus } from './limit-store.js'
import { LocalLimitStore } from './local-limit-store.js'

const none = noKeyLimits

let nextId = 1
function ask(limits: Partial<KeyLimits>, tokens = 0, costUsd = 0, key = 'alice'): LimitRequest {
  return { key, limits: { ...none, ...limits }, id: `req-${nextId++}`, tokens, costUsd }
}

function admitted(decision: LimitDecision): LimitLease {
  assert.equal(decision.kind, 'admitted', JSON.stringify(decision))
  return decision.kind === 'admitted' ? decision.lease : assert.fail()
}

function statusOf(decision: LimitDecision): LimitStatus {
  return decision.kind === 'unavailable' ? assert.fail('unavailable') : decision.status
}

function refused(decision: LimitDecision, reason: string, retryAfterMs: number): void {
  assert.equal(decision.kind, 'refused', JSON.stringify(decision))
  if (decision.kind !== 'refused') return
  assert.equal(decision.reason, reason)
  assert.equal(decision.retryAfterMs, retryAfterMs)
}

test('rpm admits exactly its limit in any 60-second window, and says when the oldest admission leaves', async () => {
  const clock = new ManualClock()
  const store = new LocalLimitStore(clock)
  const limits = { rpm: 3 }
  for (let i = 0; i < 3; i++) {
    const decision = await store.check(ask(limits))
    admitted(decision)
    assert.deepEqual(statusOf(decision).requests, { limit: 3, remaining: 2 - i, resetMs: 60_000 })
    clock.advance(10_000)
  }
  const refusal = await store.check(ask(limits))
  refused(refusal, 'requests', 30_000)
  // Back to its full limit once the newest admission (at 20 s) has left, at 80 s.
  assert.deepEqual(refusal.kind === 'refused' && refusal.status.requests, { limit: 3, remaining: 0, resetMs: 50_000 })
  assert.equal(refusal.kind === 'refused' && refusal.periodEndsAt, undefined)
  clock.advance(29_999)
  refused(await store.check(ask(limits)), 'requests', 1)
  clock.advance(1)
  admitted(await store.check(ask(limits)))
  refused(await store.check(ask(limits)), 'requests', 10_000)
})

test('keys count apart, and a key without limits is always admitted', async () => {
  const store = new LocalLimitStore(new ManualClock())
  admitted(await store.check(ask({ rpm: 1 }, 0, 0, 'a')))
  admitted(await store.check(ask({ rpm: 1 }, 0, 0, 'b')))
  refused(await store.check(ask({ rpm: 1 }, 0, 0, 'a')), 'requests', 60_000)
  for (let i = 0; i < 100; i++) admitted(await store.check(ask({}, 1_000_000, 5)))
})

test('a refusal reserves nothing: a request refused for concurrency takes no place in the rpm or tpm window', async () => {
  const store = new LocalLimitStore(new ManualClock())
  const limits = { rpm: 2, tpm: 100, maxConcurrent: 1 }
  const first = admitted(await store.check(ask(limits, 10)))
  for (let i = 0; i < 5; i++) {
    const decision = await store.check(ask(limits, 10))
    refused(decision, 'concurrency', 1_000)
    assert.equal(decision.kind === 'refused' && statusOf(decision).requests?.remaining, 1)
    assert.equal(decision.kind === 'refused' && decision.status.tokens?.remaining, 90)
  }
  first.release()
  const second = await store.check(ask(limits, 10))
  admitted(second)
  assert.deepEqual(statusOf(second), {
    requests: { limit: 2, remaining: 0, resetMs: 60_000 },
    tokens: { limit: 100, remaining: 80, resetMs: 60_000 },
  })
})

test('refusals come in order: budget, then requests, then tokens, then concurrency', async () => {
  const store = new LocalLimitStore(new ManualClock())
  const limits = { rpm: 1, tpm: 10, maxConcurrent: 1, budgetTokens: 10, budgetUsd: 1 }
  admitted(await store.check(ask(limits, 10, 1)))
  refused(await store.check(ask(limits, 10, 1)), 'budget_usd', Date.UTC(2024, 5, 1) - Date.UTC(2024, 4, 1, 10))
  refused(await store.check(ask({ ...limits, budgetUsd: 5 }, 10, 1)), 'budget_tokens', Date.UTC(2024, 5, 1) - Date.UTC(2024, 4, 1, 10))
  refused(await store.check(ask({ ...limits, budgetUsd: 5, budgetTokens: 50 }, 10, 1)), 'requests', 60_000)
  refused(await store.check(ask({ ...limits, budgetUsd: 5, budgetTokens: 50, rpm: 5 }, 10, 1)), 'tokens', 60_000)
  refused(await store.check(ask({ ...limits, budgetUsd: 5, budgetTokens: 50, rpm: 5, tpm: 50 }, 10, 1)), 'concurrency', 1_000)
})

test('tpm reserves the estimate; settling replaces it with the real usage, keeping its place in the window', async () => {
  const clock = new ManualClock()
  const store = new LocalLimitStore(clock)
  const limits = { tpm: 1_000 }
  const first = admitted(await store.check(ask(limits, 600)))
  clock.advance(5_000)
  // 600 + 600 > 1000: free again when the first reservation leaves, 55 s from now.
  refused(await store.check(ask(limits, 600)), 'tokens', 55_000)
  first.settle({ tokens: 150, costUsd: 0 })
  const second = await store.check(ask(limits, 600))
  admitted(second)
  assert.deepEqual(statusOf(second).tokens, { limit: 1_000, remaining: 250, resetMs: 60_000 })
  // Once only: a second settle changes nothing.
  first.settle({ tokens: 0, costUsd: 0 })
  refused(await store.check(ask(limits, 300)), 'tokens', 55_000)
  // The first reservation leaves at 60 s with its settled size: 150 tokens free up then, enough for 300.
  clock.advance(55_000)
  admitted(await store.check(ask(limits, 300)))
})

test('a request asking more tokens than tpm can never pass, and is told a whole window', async () => {
  const store = new LocalLimitStore(new ManualClock())
  refused(await store.check(ask({ tpm: 100 }, 101)), 'tokens', 60_000)
  admitted(await store.check(ask({ tpm: 100 }, 100)))
})

test('the worst case overshoot of tpm is what one window of under-estimates adds, and settling brings it back', async () => {
  // Each request reserves 100 and really uses 250: every check passes on the reservations, so the window holds
  // 10 x 250 = 2500 tokens against a tpm of 1000 until they leave; the next request sees the real figure.
  const store = new LocalLimitStore(new ManualClock())
  const limits = { tpm: 1_000 }
  const leases: LimitLease[] = []
  for (let i = 0; i < 10; i++) leases.push(admitted(await store.check(ask(limits, 100))))
  refused(await store.check(ask(limits, 1)), 'tokens', 60_000)
  for (const lease of leases) lease.settle({ tokens: 250, costUsd: 0 })
  const usage = await store.usage('alice', { ...none, ...limits })
  assert.deepEqual(usage.tokens, { limit: 1_000, remaining: 0, resetMs: 60_000 })
})

test('max_concurrent holds slots until released; release is idempotent, and settle frees the slot too', async () => {
  const store = new LocalLimitStore(new ManualClock())
  const limits = { maxConcurrent: 2 }
  const a = admitted(await store.check(ask(limits)))
  const b = admitted(await store.check(ask(limits)))
  refused(await store.check(ask(limits)), 'concurrency', 1_000)
  a.release()
  a.release()
  a.settle({ tokens: 0, costUsd: 0 })
  const c = admitted(await store.check(ask(limits)))
  refused(await store.check(ask(limits)), 'concurrency', 1_000)
  b.settle({ tokens: 0, costUsd: 0 })
  admitted(await store.check(ask(limits)))
  assert.deepEqual((await store.usage('alice', { ...none, ...limits })).concurrent, { limit: 2, inFlight: 2 })
  c.release()
  assert.deepEqual((await store.usage('alice', { ...none, ...limits })).concurrent, { limit: 2, inFlight: 1 })
})

test('a budget crossed by the real usage refuses the next request until its period ends, then counts afresh', async () => {
  const clock = new ManualClock({ wallStart: Date.parse('2026-12-07T23:00:00Z') })
  const store = new LocalLimitStore(clock)
  const limits = { budgetTokens: 1_000, budgetPeriod: 'day' as const }
  admitted(await store.check(ask(limits, 900))).settle({ tokens: 900, costUsd: 0 })
  // 900 + 200 would cross 1000: refused, and nothing reserved.
  const crossing = await store.check(ask(limits, 200))
  refused(crossing, 'budget_tokens', 3_600_000)
  assert.equal(crossing.kind === 'refused' && crossing.periodEndsAt, Date.parse('2026-12-08T00:00:00Z'))
  // 900 + 50 fits; the request really uses 200 and crosses the budget: even a request of 0 is refused now.
  admitted(await store.check(ask(limits, 50))).settle({ tokens: 200, costUsd: 0 })
  refused(await store.check(ask(limits, 0)), 'budget_tokens', 3_600_000)
  const usage = await store.usage('alice', { ...none, ...limits })
  assert.deepEqual(usage.budget, {
    period: 'day',
    startsAt: Date.parse('2026-12-07T00:00:00Z'),
    endsAt: Date.parse('2026-12-08T00:00:00Z'),
    spentUsd: 0,
    spentTokens: 1_100,
    limitUsd: undefined,
    limitTokens: 1_000,
  })
  clock.advance(3_600_000)
  admitted(await store.check(ask(limits, 1_000)))
})

test('spend counts the reservations of requests in flight, and a request settles into the period it started in', async () => {
  const clock = new ManualClock({ wallStart: Date.parse('2026-12-07T23:59:00Z') })
  const store = new LocalLimitStore(clock)
  const limits = { ...none, budgetUsd: 10, budgetPeriod: 'day' as const }
  const lease = admitted(await store.check(ask(limits, 100, 2)))
  assert.equal((await store.usage('alice', limits)).budget.spentUsd, 2)
  clock.advance(120_000)
  lease.settle({ tokens: 100, costUsd: 9.5 })
  assert.equal((await store.usage('alice', limits)).budget.spentUsd, 0)
  admitted(await store.check(ask(limits, 100, 9.5)))
})

test('a total budget refuses for a day at a time and names no end', async () => {
  const store = new LocalLimitStore(new ManualClock())
  const limits = { budgetUsd: 1, budgetPeriod: 'total' as const }
  admitted(await store.check(ask(limits, 10, 0.6)))
  const refusal = await store.check(ask(limits, 10, 0.6))
  refused(refusal, 'budget_usd', 86_400_000)
  assert.equal(refusal.kind === 'refused' && refusal.periodEndsAt, undefined)
})

test('seedSpend sets a period that holds nothing yet, and never overwrites what the store counted', async () => {
  const clock = new ManualClock({ wallStart: Date.parse('2026-12-07T10:00:00Z') })
  const store = new LocalLimitStore(clock)
  const limits = { ...none, budgetUsd: 10, budgetPeriod: 'month' as const }
  await store.seedSpend('alice', 'month', Date.parse('2026-12-01T00:00:00Z'), { usd: 9.5, tokens: 1234 })
  await store.seedSpend('alice', 'month', Date.parse('2026-12-01T00:00:00Z'), { usd: 1, tokens: 1 })
  const usage = await store.usage('alice', limits)
  assert.equal(usage.budget.spentUsd, 9.5)
  assert.equal(usage.budget.spentTokens, 1234)
  refused(await store.check(ask(limits, 10, 0.6)), 'budget_usd', Date.parse('2027-01-01T00:00:00Z') - Date.parse('2026-12-07T10:00:00Z'))
  admitted(await store.check(ask({ budgetUsd: 10 }, 10, 0.5, 'bob')))
  await store.seedSpend('bob', 'month', Date.parse('2026-12-01T00:00:00Z'), { usd: 100, tokens: 1 })
  assert.equal((await store.usage('bob', limits)).budget.spentUsd, 0.5)
})

test('usage of a key without limits reports only its spend', async () => {
  const store = new LocalLimitStore(new ManualClock())
  const usage = await store.usage('nobody', none)
  assert.deepEqual(usage, {
    requests: undefined,
    tokens: undefined,
    concurrent: undefined,
    budget: {
      period: 'month',
      startsAt: Date.UTC(2024, 4, 1),
      endsAt: Date.UTC(2024, 5, 1),
      spentUsd: 0,
      spentTokens: 0,
      limitUsd: undefined,
      limitTokens: undefined,
    },
  })
})
