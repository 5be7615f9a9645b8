// The contract between the request path and wherever a named key's limits are counted: this process, the primary of
// `--workers N`, or Redis shared by every replica. One `check` per request admits it (reserving its estimate) or
// refuses it; its lease frees the concurrency slot and replaces the reservation with the real usage.
import type { BudgetPeriod, KeyLimits } from '../config/gateway-config.js'

/** What one request asks of its key's limits before it goes upstream. */
export interface LimitRequest {
  /** The key's name. */
  readonly key: string
  readonly limits: KeyLimits
  /** Unique per request (the request id): names its concurrency lease and its reservations. */
  readonly id: string
  /** Tokens reserved against `tpm` and `budget_tokens`: the estimated prompt plus the completion allowed. */
  readonly tokens: number
  /** USD reserved against `budget_usd`: the estimate priced; 0 when the model has no price. */
  readonly costUsd: number
}

/** A sliding window's state, as OpenAI's `x-ratelimit-*` headers tell it. */
export interface WindowStatus {
  readonly limit: number
  /** What is left now (after this request, when it was admitted); never below 0. */
  readonly remaining: number
  /** Time until the window is back to its full limit. */
  readonly resetMs: number
}

export interface LimitStatus {
  /** `rpm`, when the key has one. */
  readonly requests: WindowStatus | undefined
  /** `tpm`, when the key has one. */
  readonly tokens: WindowStatus | undefined
}

/** Which limit refused: the two windows, the concurrency slots, or a budget. */
export type LimitRefusal = 'requests' | 'tokens' | 'concurrency' | 'budget_usd' | 'budget_tokens'

export type LimitDecision =
  | { readonly kind: 'admitted'; readonly status: LimitStatus; readonly lease: LimitLease }
  | {
      readonly kind: 'refused'
      readonly reason: LimitRefusal
      /** When a request like this one could be admitted; for a budget, the period's end (or a day for `total`). */
      readonly retryAfterMs: number
      readonly status: LimitStatus
      /** A budget refusal: when its period ends, ms since the epoch; undefined for `total`. */
      readonly periodEndsAt: number | undefined
    }
  /** The store could not be reached and `limits.on_store_error` is `deny`. */
  | { readonly kind: 'unavailable'; readonly retryAfterMs: number }

/** What a finished request really used, replacing its reservation. */
export interface SettledUsage {
  readonly tokens: number
  readonly costUsd: number
}

export interface LimitLease {
  /** The request's response has ended: its concurrency slot is freed. Idempotent. */
  release(): void
  /**
   * Its usage is known (reported, else estimated, else 0 for a request no upstream answered): the reservation is
   * replaced by it in the token window and the budget, and the slot is freed if it was not. Once; later calls do nothing.
   */
  settle(actual: SettledUsage): void
}

/** A key's own view of its limits, for `GET /v1/usage`. */
export interface KeyUsage {
  readonly requests: WindowStatus | undefined
  readonly tokens: WindowStatus | undefined
  readonly concurrent: { readonly limit: number; readonly inFlight: number } | undefined
  readonly budget: BudgetUsage
}

export interface BudgetUsage {
  readonly period: BudgetPeriod
  /** ms since the epoch; 0 for `total`. */
  readonly startsAt: number
  /** ms since the epoch; undefined for `total`. */
  readonly endsAt: number | undefined
  readonly spentUsd: number
  readonly spentTokens: number
  readonly limitUsd: number | undefined
  readonly limitTokens: number | undefined
}

export interface LimitStore {
  check(request: LimitRequest): Promise<LimitDecision>
  usage(key: string, limits: KeyLimits): Promise<KeyUsage>
  /**
   * Spend already made in a period, rebuilt from the records at start: taken only when the store holds nothing for
   * that key and period (so a restart with Redis keeps Redis's figure, and one without rebuilds it).
   */
  seedSpend(key: string, period: BudgetPeriod, periodStart: number, spent: { readonly usd: number; readonly tokens: number }): Promise<void>
  close(): Promise<void>
}
