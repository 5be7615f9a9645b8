// What a limit does while its store (Redis, or the primary of `--workers N`) cannot be reached: `allow` has this
// process count alone (its own LocalLimitStore, exact per process) and keeps serving; `deny` refuses with a 503 and
// Retry-After. Either way each failure is reported, for the metric of limit store errors.
import type { BudgetPeriod, KeyLimits } from '../config/gateway-config.js'
import type { KeyUsage, LimitDecision, LimitRequest, LimitStore } from './limit-store.js'

export interface ResilientLimitStoreOptions {
  readonly store: LimitStore
  /** Decides while `store` fails, when `onStoreError` is `allow`; its leases settle in it. */
  readonly fallback: LimitStore
  readonly onStoreError: 'allow' | 'deny'
  /** Each failure of `store` (counted by `openai_api_route_limit_store_errors_total`). */
  readonly onError: (error: unknown) => void
}

/** When a request refused because the store is unreachable may try again. */
export const unavailableRetryMs = 1_000

/** `GET /v1/usage` while the store is unreachable and `on_store_error` is `deny`: the route answers 503. */
export class LimitStoreUnavailableError extends Error {
  override readonly name = 'LimitStoreUnavailableError'
  readonly code = 'limit_store_unavailable'
  readonly retryAfterMs = unavailableRetryMs

  constructor(cause: unknown) {
    super('the limit store cannot be reached', { cause })
  }
}

export class ResilientLimitStore implements LimitStore {
  readonly #options: ResilientLimitStoreOptions

  constructor(options: ResilientLimitStoreOptions) {
    this.#options = options
  }

  async check(request: LimitRequest): Promise<LimitDecision> {
    const { store, fallback, onStoreError, onError } = this.#options
    try {
      return await store.check(request)
    } catch (error) {
      onError(error)
      if (onStoreError === 'deny') return { kind: 'unavailable', retryAfterMs: unavailableRetryMs }
      return await fallback.check(request)
    }
  }

  async usage(key: string, limits: KeyLimits): Promise<KeyUsage> {
    const { store, fallback, onStoreError, onError } = this.#options
    try {
      return await store.usage(key, limits)
    } catch (error) {
      onError(error)
      if (onStoreError === 'deny') throw new LimitStoreUnavailableError(error)
      return await fallback.usage(key, limits)
    }
  }

  /** Seeds both: the fallback then starts from the records' figure too, should the store be away later. */
  async seedSpend(
    key: string,
    period: BudgetPeriod,
    periodStart: number,
    spent: { readonly usd: number; readonly tokens: number },
  ): Promise<void> {
    const { store, fallback, onError } = this.#options
    await fallback.seedSpend(key, period, periodStart, spent)
    try {
      await store.seedSpend(key, period, periodStart, spent)
    } catch (error) {
      onError(error)
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#options.store.close(), this.#options.fallback.close()])
  }
}
