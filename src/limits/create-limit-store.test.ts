import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { randomPrefix, redisSkipReason, removePrefix, sharedRedisUrl } from '../../tests/helpers/redis-service.js'
import { noKeyLimits, type KeyLimits, type LimitsConfig } from '../config/gateway-config.js'
import { systemClock } from '../time/clock.js'
import { ManualClock } from '../time/manual-clock.js'
import { createLimitStore } from './create-limit-store.js'
import type { LimitDecision, LimitRequest, LimitStore } from './limit-store.js'
import { LocalLimitStore } from './local-limit-store.js'

const limitsConfig: LimitsConfig = { onStoreError: 'allow', defaultCompletionTokens: 4096 }
const none = noKeyLimits
let nextId = 1
const ask = (limits: Partial<KeyLimits>): LimitRequest => ({
  key: 'alice',
  limits: { ...none, ...limits },
  id: `r${nextId++}`,
  tokens: 1,
  costUsd: 0,
})

test('without Redis or a primary, the process counts alone', async () => {
  const store = createLimitStore({ redis: undefined, limits: limitsConfig, clock: new ManualClock(), onError: () => assert.fail() })
  assert.ok(store instanceof LocalLimitStore)
})

test('a worker without Redis asks its primary, and counts alone (reporting it) when the primary fails', async () => {
  const asked: LimitRequest[] = []
  let failing = false
  const primary: LimitStore = {
    check: async (request): Promise<LimitDecision> => {
      if (failing) throw new Error('no primary')
      asked.push(request)
      return {
        kind: 'refused',
        reason: 'requests',
        retryAfterMs: 5,
        status: { requests: undefined, tokens: undefined },
        periodEndsAt: undefined,
      }
    },
    usage: () => Promise.reject(new Error('unused')),
    seedSpend: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
  const errors: unknown[] = []
  const store = createLimitStore({
    redis: undefined,
    limits: limitsConfig,
    clock: new ManualClock(),
    primary,
    onError: (e) => errors.push(e),
  })
  assert.equal((await store.check(ask({ rpm: 1 }))).kind, 'refused')
  assert.equal(asked.length, 1)
  failing = true
  assert.equal((await store.check(ask({ rpm: 1 }))).kind, 'admitted')
  assert.equal(errors.length, 1)
})

describe('a gateway with Redis', { skip: await redisSkipReason() }, () => {
  test('counts in Redis, shared with every other process on the same prefix, even a worker that has a primary', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const redis = { url: sharedRedisUrl, prefix }
    const primary = new LocalLimitStore(new ManualClock())
    // `deny`, so that a store not connected yet says so rather than counting alone.
    const limits: LimitsConfig = { ...limitsConfig, onStoreError: 'deny' }
    const stores = [
      createLimitStore({ redis, limits, clock: systemClock, onError: () => undefined }),
      createLimitStore({ redis, limits, clock: systemClock, primary, onError: () => undefined }),
    ]
    t.after(() => Promise.all(stores.map((s) => s.close())))
    const until = performance.now() + 10_000
    for (const store of stores) {
      while (
        !(await store.usage('alice', none).then(
          () => true,
          () => false,
        ))
      ) {
        assert.ok(performance.now() < until, 'Redis answered')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    assert.equal((await stores[0]?.check(ask({ rpm: 1 })))?.kind, 'admitted')
    assert.equal((await stores[1]?.check(ask({ rpm: 1 })))?.kind, 'refused')
    assert.equal((await primary.usage('alice', { ...none, rpm: 1 })).requests?.remaining, 1)
  })
})
