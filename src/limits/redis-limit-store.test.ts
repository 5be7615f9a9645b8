// The Redis limit store against a real Redis: two stores stand for two replicas sharing it.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { createClient } from '@redis/client'
import { freePort, randomPrefix, redisSkipReason, removePrefix, sharedRedisUrl } from '../../tests/helpers/redis-service.js'
import { waitFor } from '../../tests/helpers/wait-for.js'
import { noKeyLimits, type KeyLimits } from '../config/gateway-config.js'
import { systemClock, type Clock } from '../time/clock.js'
import { ManualClock } from '../time/manual-clock.js'
import { connectLimitRedis, type LimitRedisConnection } from './limit-redis-client.js'
import type { LimitDecision, LimitLease, LimitRequest, LimitStatus } from './limit-store.js'
import { RedisLimitStore, type RedisLimitStoreOptions } from './redis-limit-store.js'

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

function refusedFor(decision: LimitDecision): string {
  assert.equal(decision.kind, 'refused', JSON.stringify(decision))
  return decision.kind === 'refused' ? decision.reason : ''
}

const connections: LimitRedisConnection[] = []
after(() => Promise.all(connections.map((c) => c.close())))

interface Replica {
  readonly store: RedisLimitStore
  readonly errors: unknown[]
}

async function replica(prefix: string, options: Partial<RedisLimitStoreOptions> & { clock?: Clock } = {}): Promise<Replica> {
  const connection = connectLimitRedis({ url: sharedRedisUrl, prefix })
  connections.push(connection)
  await waitFor(() => connection.ready, 'the limit store to connect to Redis')
  const errors: unknown[] = []
  const store = new RedisLimitStore({ client: connection.client, prefix, clock: systemClock, onError: (e) => errors.push(e), ...options })
  return { store, errors }
}

async function rawRedis() {
  const client = createClient({ url: sharedRedisUrl })
  await client.connect()
  return client
}

describe('limits shared through Redis', { skip: await redisSkipReason() }, () => {
  test('rpm 30 with 90 concurrent checks spread over two replicas: exactly 30 admitted', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const [a, b] = await Promise.all([replica(prefix), replica(prefix)])
    const decisions = await Promise.all(Array.from({ length: 90 }, (_, i) => (i % 2 === 0 ? a : b).store.check(ask({ rpm: 30 }))))
    const admittedOnes = decisions.filter((d) => d.kind === 'admitted')
    const refusals = decisions.filter((d) => d.kind === 'refused')
    assert.equal(admittedOnes.length, 30)
    assert.equal(refusals.length, 60)
    for (const refusal of refusals) {
      assert.equal(refusal.reason, 'requests')
      assert.ok(refusal.retryAfterMs > 0 && refusal.retryAfterMs <= 60_000, String(refusal.retryAfterMs))
      assert.equal(refusal.status.requests?.remaining, 0)
      assert.equal(refusal.status.requests?.limit, 30)
    }
    assert.deepEqual(a.errors.concat(b.errors), [])
  })

  test('a refusal reserves nothing, and tpm takes the real usage when a request settles', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const { store } = await replica(prefix)
    const limits = { rpm: 3, tpm: 1_000, maxConcurrent: 1 }
    const first = admitted(await store.check(ask(limits, 600)))
    // Refused for concurrency: neither the rpm window nor the tokens move.
    assert.equal(refusedFor(await store.check(ask(limits, 100))), 'concurrency')
    first.release()
    assert.equal(refusedFor(await store.check(ask({ ...limits, maxConcurrent: 5 }, 600))), 'tokens')
    first.settle({ tokens: 150, costUsd: 0 })
    const second = await store.check(ask({ ...limits, maxConcurrent: 5 }, 600))
    admitted(second)
    assert.equal(statusOf(second).tokens?.remaining, 250)
    assert.equal(statusOf(second).requests?.remaining, 1)
    const usage = await store.usage('alice', { ...none, ...limits })
    assert.equal(usage.tokens?.remaining, 250)
    assert.equal(usage.requests?.remaining, 1)
    assert.equal(usage.budget.spentTokens, 750)
  })

  test('a request asking more than tpm is told a whole window; one that fits later is told when', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const { store } = await replica(prefix)
    const tooBig = await store.check(ask({ tpm: 100 }, 101))
    assert.equal(refusedFor(tooBig), 'tokens')
    assert.equal(tooBig.kind === 'refused' && tooBig.retryAfterMs, 60_000)
    admitted(await store.check(ask({ tpm: 100 }, 80)))
    const later = await store.check(ask({ tpm: 100 }, 30))
    assert.equal(refusedFor(later), 'tokens')
    assert.ok(later.kind === 'refused' && later.retryAfterMs > 0 && later.retryAfterMs <= 60_000)
  })

  test('max_concurrent 4 across two replicas: 4 slots, and a released one is free again', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const [a, b] = await Promise.all([replica(prefix), replica(prefix)])
    const limits = { maxConcurrent: 4 }
    const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).store.check(ask(limits))))
    const leases = decisions.flatMap((d) => (d.kind === 'admitted' ? [d.lease] : []))
    assert.equal(leases.length, 4)
    for (const d of decisions) if (d.kind === 'refused') assert.equal(d.retryAfterMs, 1_000)
    assert.deepEqual((await a.store.usage('alice', { ...none, ...limits })).concurrent, { limit: 4, inFlight: 4 })
    leases[0]?.release()
    leases[0]?.release()
    const until = performance.now() + 10_000
    while ((await b.store.check(ask(limits))).kind !== 'admitted') assert.ok(performance.now() < until, 'the slot came back')
    assert.equal(refusedFor(await a.store.check(ask(limits))), 'concurrency')
  })

  test('the slots of a process that stopped renewing them come back once their lease expires', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const dead = await replica(prefix, { leaseTtlMs: 300, renewEveryMs: 0 })
    const alive = await replica(prefix)
    const limits = { maxConcurrent: 2 }
    admitted(await dead.store.check(ask(limits)))
    admitted(await dead.store.check(ask(limits)))
    assert.equal(refusedFor(await alive.store.check(ask(limits))), 'concurrency')
    const until = performance.now() + 10_000
    while ((await alive.store.usage('alice', { ...none, ...limits })).concurrent?.inFlight !== 0)
      assert.ok(performance.now() < until, 'the slots came back')
    admitted(await alive.store.check(ask(limits)))
    admitted(await alive.store.check(ask(limits)))
    assert.equal(refusedFor(await alive.store.check(ask(limits))), 'concurrency')
  })

  test('held slots are renewed on the store’s clock, and a released one is not put back', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const clock = new ManualClock()
    const { store, errors } = await replica(prefix, { clock, leaseTtlMs: 20_000 })
    const raw = await rawRedis()
    t.after(() => raw.close())
    const leasesKey = `${prefix}limits:{alice}:leases`
    const held = admitted(await store.check(ask({ maxConcurrent: 5 })))
    const released = admitted(await store.check(ask({ maxConcurrent: 5 })))
    released.release()
    // The release reaches Redis on the store's connection; this one polls until it has.
    const until = performance.now() + 10_000
    while ((await raw.zCard(leasesKey)) !== 1) assert.ok(performance.now() < until, 'the release reached Redis')
    // Pretend the held slot is about to expire (without a check in between to prune it).
    for (const member of await raw.zRange(leasesKey, 0, -1)) await raw.zAdd(leasesKey, { score: 1, value: member })
    const before = Date.now()
    clock.advance(5_000)
    let scores: number[] = []
    for (;;) {
      const entries = await raw.zRangeWithScores(leasesKey, 0, -1)
      scores = entries.map((e) => e.score)
      if (scores.some((s) => s > 1)) break
      assert.ok(performance.now() < until, 'the renewal reached Redis')
      await new Promise((resolve) => setImmediate(resolve))
    }
    assert.equal(scores.length, 1)
    // Renewed to Redis's now + the ttl.
    assert.ok((scores[0] ?? 0) >= before + 20_000, String(scores[0]))
    held.release()
    assert.deepEqual(errors, [])
  })

  test('a budget crossed by real usage refuses the next request, and the spend survives a restarted gateway', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const limits = { budgetTokens: 1_000, budgetUsd: 5, budgetPeriod: 'day' as const }
    const first = await replica(prefix)
    admitted(await first.store.check(ask(limits, 100, 0.5))).settle({ tokens: 1_200, costUsd: 1.25 })
    const restarted = await replica(prefix)
    let refusal: LimitDecision | undefined
    const until = performance.now() + 10_000
    while ((refusal = await restarted.store.check(ask(limits, 0, 0))).kind !== 'refused') {
      assert.ok(performance.now() < until, 'the settle reached Redis')
    }
    assert.equal(refusal.kind === 'refused' && refusal.reason, 'budget_tokens')
    const endOfDay = new Date()
    endOfDay.setUTCHours(24, 0, 0, 0)
    assert.equal(refusal.kind === 'refused' && refusal.periodEndsAt, endOfDay.getTime())
    assert.ok(refusal.kind === 'refused' && refusal.retryAfterMs > 0 && refusal.retryAfterMs <= 86_400_000)
    const usage = await restarted.store.usage('alice', { ...none, ...limits })
    assert.equal(usage.budget.spentTokens, 1_200)
    assert.ok(Math.abs(usage.budget.spentUsd - 1.25) < 1e-9)
    assert.equal(usage.budget.endsAt, endOfDay.getTime())
  })

  test('seedSpend writes a period Redis holds nothing for, and never over what it counted', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const { store } = await replica(prefix)
    const limits = { ...none, budgetUsd: 10 }
    const monthStart = new Date()
    monthStart.setUTCDate(1)
    monthStart.setUTCHours(0, 0, 0, 0)
    await store.seedSpend('alice', 'month', monthStart.getTime(), { usd: 9.75, tokens: 1234 })
    await store.seedSpend('alice', 'month', monthStart.getTime(), { usd: 1, tokens: 1 })
    const usage = await store.usage('alice', limits)
    assert.ok(Math.abs(usage.budget.spentUsd - 9.75) < 1e-9)
    assert.equal(usage.budget.spentTokens, 1234)
    assert.equal(refusedFor(await store.check(ask(limits, 10, 0.5))), 'budget_usd')
    admitted(await store.check(ask({ budgetUsd: 10 }, 10, 0.5, 'bob')))
    await store.seedSpend('bob', 'month', monthStart.getTime(), { usd: 100, tokens: 1 })
    assert.ok(Math.abs((await store.usage('bob', limits)).budget.spentUsd - 0.5) < 1e-9)
  })

  test('a Redis that lost its scripts (restart, SCRIPT FLUSH) is given them again by the same check', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const { store, errors } = await replica(prefix)
    admitted(await store.check(ask({ rpm: 2 })))
    const raw = await rawRedis()
    t.after(() => raw.close())
    await raw.scriptFlush()
    admitted(await store.check(ask({ rpm: 2 })))
    assert.equal(refusedFor(await store.check(ask({ rpm: 2 }))), 'requests')
    assert.deepEqual(errors, [])
  })

  test('close() gives back the slots this process holds', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const a = await replica(prefix)
    const b = await replica(prefix)
    admitted(await a.store.check(ask({ maxConcurrent: 1 })))
    assert.equal(refusedFor(await b.store.check(ask({ maxConcurrent: 1 }))), 'concurrency')
    await a.store.close()
    admitted(await b.store.check(ask({ maxConcurrent: 1 })))
  })

  test('while Redis is unreachable a check fails at once instead of waiting', async () => {
    const port = await freePort()
    const connection = connectLimitRedis({ url: `redis://127.0.0.1:${port}/0`, prefix: 'x:' })
    connections.push(connection)
    const store = new RedisLimitStore({ client: connection.client, prefix: 'x:', clock: systemClock, onError: () => undefined })
    await assert.rejects(store.check(ask({ rpm: 1 })))
  })
})
