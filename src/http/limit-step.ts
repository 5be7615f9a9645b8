// The relay route's limits step, for a named key with limits: after the plan (an unknown model costs nothing), its
// reservation is estimated and checked in one call to the limit store; a refusal is thrown as the client's 429 (or
// 503), an admission gives the `x-ratelimit-*` headers every answer carries and a ticket that frees the concurrency
// slot when the request ends and replaces the reservation with what the request really used.
import type { ClientIdentity } from '../auth/authenticate.js'
import type { KeyLimits, NamedKeyConfig } from '../config/gateway-config.js'
import type { LimitLease, LimitRefusal, LimitStore } from '../limits/limit-store.js'
import type { TokenUsage } from '../outcome/request-outcome.js'
import type { PriceTable } from '../spend/price-table.js'
import { requestCost } from '../spend/request-cost.js'
import type { TokenEstimator } from '../tokens/token-estimator.js'
import { limitRefusalError, rateLimitHeaderNames, rateLimitHeaders } from './limit-answers.js'
import { chargedTokens, estimateReservation, mayHaveBeenBilled, maxReservedTokens, type ReservationEstimate } from './limit-estimate.js'

/** What the limits step needs of the gateway. */
export interface RouteLimits {
  readonly store: LimitStore
  readonly prices: PriceTable
  /** `limits.default_completion_tokens`. */
  readonly defaultCompletionTokens: number
  /** A refusal, by the key's name and the limit that refused (for the metrics). */
  readonly onRefusal?: (key: string, reason: LimitRefusal) => void
}

export interface LimitStepInput {
  readonly identity: ClientIdentity
  readonly requestId: string
  /** The client model the plan is for. */
  readonly model: string
  /** The client path below `/v1`. */
  readonly path: string
  readonly json: () => Readonly<Record<string, unknown>> | null
  readonly tokens: TokenEstimator
}

/** How the request ended, for its charge. */
export interface RequestEnd {
  readonly status: number
  readonly model: string
  readonly upstreamModel?: string | undefined
  /** Some upstream was sent the request (it may bill it even if the client left before the answer). */
  readonly reachedUpstream: boolean
}

/** An admitted request's hold on its key's limits. */
export interface LimitTicket {
  /** The gateway's `x-ratelimit-*` headers, replacing the upstream's. */
  readonly ownHeaders: { readonly headers: readonly string[]; readonly replaces: readonly string[] }
  /**
   * The request is over: its slot is freed at once, and its reservation replaced by its usage once that is known
   * (reported or estimated: possibly a promise still being counted).
   */
  finish(end: RequestEnd, usage: TokenUsage | undefined | Promise<TokenUsage | undefined>): void
}

/**
 * Admits the request under its key's limits (or rejects with the refusal); undefined at once, without a promise, for
 * a key without limits, so that every other request pays one property read.
 */
export function checkLimits(limits: RouteLimits | undefined, input: LimitStepInput): Promise<LimitTicket> | undefined {
  const named = input.identity.kind === 'key' ? input.identity.named : undefined
  if (limits === undefined || named === undefined || !hasLimits(named.limits)) return undefined
  return admit(limits, named, input)
}

async function admit(limits: RouteLimits, named: NamedKeyConfig, input: LimitStepInput): Promise<LimitTicket> {
  const keyLimits = named.limits
  const estimate = countsTokens(keyLimits) ? await reservationOf(limits, named, input) : { promptTokens: 0, completionTokens: 0 }
  const tokens = estimate.promptTokens + estimate.completionTokens
  const costUsd = keyLimits.budgetUsd === undefined ? 0 : (limits.prices.costOf(input.model, estimate) ?? 0)
  const decision = await limits.store.check({ key: named.name, limits: keyLimits, id: input.requestId, tokens, costUsd })
  if (decision.kind !== 'admitted') {
    if (decision.kind === 'refused') limits.onRefusal?.(named.name, decision.reason)
    throw limitRefusalError(decision, askOf(named, tokens))
  }
  const headers = rateLimitHeaders(decision.status)
  return {
    ownHeaders: { headers, replaces: rateLimitHeaderNames },
    finish: (end, usage) => settle(limits.prices, decision.lease, { end, usage, tokens, costUsd }),
  }
}

export function hasLimits(limits: KeyLimits): boolean {
  const { rpm, tpm, maxConcurrent, budgetUsd, budgetTokens } = limits
  return rpm !== undefined || tpm !== undefined || maxConcurrent !== undefined || budgetUsd !== undefined || budgetTokens !== undefined
}

function countsTokens(limits: KeyLimits): boolean {
  return limits.tpm !== undefined || limits.budgetTokens !== undefined || limits.budgetUsd !== undefined
}

function reservationOf(limits: RouteLimits, named: NamedKeyConfig, input: LimitStepInput): Promise<ReservationEstimate> {
  return estimateReservation({
    json: input.json(),
    path: input.path,
    tokens: input.tokens,
    defaultCompletionTokens: limits.defaultCompletionTokens,
    limits: named.limits,
  })
}

function askOf(named: NamedKeyConfig, tokens: number): Parameters<typeof limitRefusalError>[1] {
  const { maxConcurrent, budgetUsd, budgetTokens, budgetPeriod } = named.limits
  return { keyName: named.name, tokens, maxConcurrent, budgetUsd, budgetTokens, budgetPeriod }
}

interface Settlement {
  readonly end: RequestEnd
  readonly usage: TokenUsage | undefined | Promise<TokenUsage | undefined>
  /** The reservation. */
  readonly tokens: number
  readonly costUsd: number
}

function settle(prices: PriceTable, lease: LimitLease, settlement: Settlement): void {
  lease.release()
  const { end, usage } = settlement
  const charge = (used: TokenUsage | undefined): void => {
    const billed = mayHaveBeenBilled(end.status, end.reachedUpstream)
    const costUsd = used === undefined ? (billed ? settlement.costUsd : 0) : (requestCost(prices, end, used) ?? 0)
    const tokens = Math.min(chargedTokens(end.status, used, settlement.tokens, end.reachedUpstream), maxReservedTokens)
    lease.settle({ tokens, costUsd })
  }
  if (usage instanceof Promise) usage.then(charge, () => charge(undefined))
  else charge(usage)
}
