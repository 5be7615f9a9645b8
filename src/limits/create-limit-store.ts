// Where a gateway process counts named keys' limits: in Redis when `redis` is configured (every replica, every
// worker), else in the primary of `--workers N` (a worker passes its link to it), else in this process alone.
// Redis and the primary are wrapped by `limits.on_store_error`, with this process's own count as the fallback.
import type { LimitsConfig, RedisConfig } from '../config/gateway-config.js'
import type { Clock } from '../time/clock.js'
import { connectLimitRedis } from './limit-redis-client.js'
import type { LimitStore } from './limit-store.js'
import { LocalLimitStore } from './local-limit-store.js'
import { RedisLimitStore } from './redis-limit-store.js'
import { ResilientLimitStore } from './resilient-limit-store.js'

export interface LimitStoreSetup {
  readonly redis: RedisConfig | undefined
  readonly limits: LimitsConfig
  readonly clock: Clock
  /** A worker of `--workers N`: its primary's store (WorkerLink.limitStore), used when there is no Redis. */
  readonly primary?: LimitStore | undefined
  /** Each failure of Redis or the primary (a check, a settle, a renewal): `openai_api_route_limit_store_errors_total`. */
  readonly onError: (error: unknown) => void
  /** Concurrency leases in Redis expire after this long unless renewed (default 20 s). */
  readonly leaseTtlMs?: number
}

export function createLimitStore(setup: LimitStoreSetup): LimitStore {
  const { clock, onError } = setup
  const fallback = new LocalLimitStore(clock)
  if (setup.redis !== undefined) {
    const connection = connectLimitRedis(setup.redis)
    const redis = new RedisLimitStore({
      client: connection.client,
      prefix: setup.redis.prefix,
      clock,
      onError,
      leaseTtlMs: setup.leaseTtlMs,
    })
    const store = new ResilientLimitStore({ store: redis, fallback, onStoreError: setup.limits.onStoreError, onError })
    const { started } = connection
    return {
      check: (request) => started.then(() => store.check(request)),
      usage: (key, limits) => started.then(() => store.usage(key, limits)),
      seedSpend: (key, period, periodStart, spent) => started.then(() => store.seedSpend(key, period, periodStart, spent)),
      async close() {
        await store.close()
        await connection.close()
      },
    }
  }
  if (setup.primary !== undefined)
    return new ResilientLimitStore({ store: setup.primary, fallback, onStoreError: setup.limits.onStoreError, onError })
  return fallback
}
