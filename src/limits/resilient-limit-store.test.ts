// A limit store whose Redis is unreachable: `allow` falls back to counting in this process, `deny` answers
// unavailable; both report each failure, and checks go back to Redis once it answers again.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { freePort, ownRedis, redisSkipReason } from '../../tests/helpers/redis-service.js'
import { waitFor } from '../../tests/helpers/wait-for.js'
import { noKeyLimits, type KeyLimits } from '../config/gateway-config.js'
import { systemClock } from '../time/clock.js'
import { ManualClock } from '../time/manual-clock.js'
import { connectLimitRedis, type LimitRedisConnection } from './limit-redis-client.js'
import type { LimitRequest } from './limit-store.js'
import { LocalLimitStore } from './local-limit-store.js'
import { RedisLimitStore } from './redis-limit-store.js'
import { LimitStoreUnavailableError, ResilientLimitStore } from './resilient-limit-store.js'

const none = noKeyLimits

let nextId = 1
function ask(limits: Partial<KeyLimits>, tokens = 0): LimitRequest {
  return { key: 'alice', limits: { ...none, ...limits }, id: `req-${nextId++}`, tokens, costUsd: 0 }
}

const connections: LimitRedisConnection[] = []
after(() => Promise.all(connections.map((c) => c.close())))

function resilient(url: string, onStoreError: 'allow' | 'deny') {
  const prefix = 'openai-api-route-test:resilient:'
  const connection = connectLimitRedis({ url, prefix }, { maxReconnectDelayMs: 50 })
  connections.push(connection)
  const errors: unknown[] = []
  const redis = new RedisLimitStore({ client: connection.client, prefix, clock: systemClock, onError: (e) => errors.push(e) })
  const fallback = new LocalLimitStore(new ManualClock())
  const store = new ResilientLimitStore({ store: redis, fallback, onStoreError, onError: (e) => errors.push(e) })
  return { store, fallback, errors, connection }
}

describe('a limit store whose Redis is unreachable', { skip: await redisSkipReason() }, () => {
  test('allow: this process decides alone, exactly, and every failure is reported', async () => {
    const { store, fallback, errors } = resilient(`redis://127.0.0.1:${await freePort()}/0`, 'allow')
    const first = await store.check(ask({ rpm: 1, maxConcurrent: 1 }, 10))
    assert.equal(first.kind, 'admitted')
    assert.equal((await store.check(ask({ rpm: 1 }))).kind, 'refused')
    assert.equal(errors.length, 2)
    // Its lease is the fallback's: settling it counts there.
    if (first.kind === 'admitted') first.lease.settle({ tokens: 42, costUsd: 0 })
    assert.equal((await fallback.usage('alice', none)).budget.spentTokens, 42)
    assert.equal((await store.usage('alice', none)).budget.spentTokens, 42)
    assert.equal(errors.length, 3)
  })

  test('deny: every check is unavailable with a Retry-After, and usage throws a typed error', async () => {
    const { store, errors } = resilient(`redis://127.0.0.1:${await freePort()}/0`, 'deny')
    assert.deepEqual(await store.check(ask({ rpm: 100 })), { kind: 'unavailable', retryAfterMs: 1_000 })
    await assert.rejects(store.usage('alice', none), LimitStoreUnavailableError)
    assert.equal(errors.length, 2)
  })

  test('seedSpend reaches the fallback even while Redis is away', async () => {
    const { store, fallback, errors } = resilient(`redis://127.0.0.1:${await freePort()}/0`, 'allow')
    await store.seedSpend('alice', 'total', 0, { usd: 3, tokens: 30 })
    assert.equal((await fallback.usage('alice', { ...none, budgetPeriod: 'total' })).budget.spentUsd, 3)
    assert.equal(errors.length, 1)
  })

  test('checks go back to Redis once it answers again', async (t) => {
    const redis = ownRedis(await freePort())
    t.after(() => redis.stop())
    const { store, fallback, errors, connection } = resilient(redis.url, 'allow')
    assert.equal((await store.check(ask({ rpm: 5 }))).kind, 'admitted')
    assert.equal(errors.length, 1)
    await redis.start()
    await waitFor(() => connection.ready, 'the limit store to reconnect')
    for (let i = 0; i < 5; i++) assert.equal((await store.check(ask({ rpm: 5 }))).kind, 'admitted')
    assert.equal((await store.check(ask({ rpm: 5 }))).kind, 'refused')
    assert.equal(errors.length, 1)
    // The fallback saw only the check made while Redis was away.
    assert.equal((await fallback.usage('alice', { ...none, rpm: 5 })).requests?.remaining, 4)
    await redis.stop()
    assert.equal((await store.check(ask({ rpm: 5 }))).kind, 'admitted')
    assert.equal(errors.length, 2)
  })
})
