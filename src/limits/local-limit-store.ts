// Named keys' limits counted exactly in one process: the single gateway, the primary of `--workers N` (for all its
// workers), or a replica whose Redis is unreachable. Every check runs to its end in one synchronous turn, so checks
// never interleave: a refusal reserves nothing, an admission reserves everything at once.
import type { BudgetPeriod, KeyLimits } from '../config/gateway-config.js'
import type { Clock } from '../time/clock.js'
import { budgetPeriodBounds, type BudgetPeriodBounds } from './budget-period.js'
import { limitWindowMs, refusalRetry, windowResetMs } from './limit-windows.js'
import type {
  KeyUsage,
  LimitDecision,
  LimitLease,
  LimitRefusal,
  LimitRequest,
  LimitStatus,
  LimitStore,
  SettledUsage,
  WindowStatus,
} from './limit-store.js'

interface TokenEntry {
  readonly at: number
  tokens: number
}

interface Spend {
  usd: number
  tokens: number
  readonly endsAt: number | undefined
}

/** Spend of an ended period is kept this long after its end, for a request that settles late. */
const endedPeriodKeptMs = 86_400_000

/** One key's counters. Windows run on the clock's monotonic time; budget periods on its wall time. */
class KeyCounters {
  /** When each request was admitted (while the key has `rpm`), oldest first. */
  readonly admissions: number[] = []
  /** Token reservations (while the key has `tpm`) by lease, in the order made, which is the order of time. */
  readonly tokenEntries = new Map<number, TokenEntry>()
  tokenSum = 0
  lastTokenAt = 0
  /** Leases holding a concurrency slot (while the key has `max_concurrent`). */
  readonly inFlight = new Set<number>()
  /** Spend (settled, plus the reservations of requests in flight) by period id. */
  readonly spend = new Map<string, Spend>()

  prune(now: number, wallNow: number): void {
    const leftBefore = now - limitWindowMs
    let gone = 0
    while (gone < this.admissions.length && (this.admissions[gone] as number) <= leftBefore) gone++
    if (gone > 0) this.admissions.splice(0, gone)
    for (const [lease, entry] of this.tokenEntries) {
      if (entry.at > leftBefore) break
      this.tokenEntries.delete(lease)
      this.tokenSum -= entry.tokens
    }
    if (this.tokenEntries.size === 0) this.tokenSum = 0
    for (const [id, spend] of this.spend)
      if (spend.endsAt !== undefined && spend.endsAt + endedPeriodKeptMs < wallNow) this.spend.delete(id)
  }

  requestsStatus(limit: number | undefined, now: number): WindowStatus | undefined {
    if (limit === undefined) return undefined
    const count = this.admissions.length
    const newest = this.admissions[count - 1]
    return { limit, remaining: Math.max(0, limit - count), resetMs: newest === undefined ? 0 : windowResetMs(newest, now) }
  }

  tokensStatus(limit: number | undefined, now: number): WindowStatus | undefined {
    if (limit === undefined) return undefined
    const resetMs = this.tokenSum > 0 ? windowResetMs(this.lastTokenAt, now) : 0
    return { limit, remaining: Math.max(0, limit - this.tokenSum), resetMs }
  }

  /** Why this request would be refused, and when one like it could pass; undefined when it may be admitted. */
  refusal(
    request: LimitRequest,
    period: BudgetPeriodBounds,
    now: number,
    wallNow: number,
  ): { reason: LimitRefusal; retryAfterMs: number } | undefined {
    const { limits } = request
    const spent = this.spend.get(period.id)
    const budgetRetry = refusalRetry.budget(period.endsAt, wallNow)
    if (limits.budgetUsd !== undefined && overBudget(spent?.usd ?? 0, request.costUsd, limits.budgetUsd))
      return { reason: 'budget_usd', retryAfterMs: budgetRetry }
    if (limits.budgetTokens !== undefined && overBudget(spent?.tokens ?? 0, request.tokens, limits.budgetTokens))
      return { reason: 'budget_tokens', retryAfterMs: budgetRetry }
    if (limits.rpm !== undefined && this.admissions.length >= limits.rpm) {
      // The window has room again when enough of its oldest admissions have left it.
      const leaving = this.admissions[this.admissions.length - limits.rpm] as number
      return { reason: 'requests', retryAfterMs: leaving + limitWindowMs - now }
    }
    if (limits.tpm !== undefined && this.tokenSum + request.tokens > limits.tpm)
      return { reason: 'tokens', retryAfterMs: this.#tokensRetry(request.tokens, limits.tpm, now) }
    if (limits.maxConcurrent !== undefined && this.inFlight.size >= limits.maxConcurrent)
      return { reason: 'concurrency', retryAfterMs: refusalRetry.concurrencyMs }
    return undefined
  }

  #tokensRetry(tokens: number, tpm: number, now: number): number {
    if (tokens > tpm) return refusalRetry.neverMs
    const needed = this.tokenSum + tokens - tpm
    let freed = 0
    for (const entry of this.tokenEntries.values()) {
      freed += entry.tokens
      if (freed >= needed) return entry.at + limitWindowMs - now
    }
    return refusalRetry.neverMs
  }
}

/** Spend already at (or past) the limit refuses even a free request; otherwise only one that would cross it. */
export function overBudget(spent: number, asked: number, limit: number): boolean {
  // Sums of prices are not exact in binary: a thousandth of a micro-dollar is not worth a refusal.
  return spent >= limit || spent + asked > limit + 1e-9
}

export class LocalLimitStore implements LimitStore {
  readonly #clock: Clock
  readonly #keys = new Map<string, KeyCounters>()
  #nextLease = 1

  constructor(clock: Clock) {
    this.#clock = clock
  }

  check(request: LimitRequest): Promise<LimitDecision> {
    return Promise.resolve(this.decide(request))
  }

  /** `check`, decided at once: what the primary of `--workers N` answers its workers with. */
  decide(request: LimitRequest): LimitDecision {
    const now = this.#clock.now()
    const wallNow = this.#clock.wallNow()
    const { limits } = request
    const counters = this.#counters(request.key, now, wallNow)
    const period = budgetPeriodBounds(limits.budgetPeriod, wallNow)
    const refusal = counters.refusal(request, period, now, wallNow)
    if (refusal !== undefined) {
      const budget = refusal.reason === 'budget_usd' || refusal.reason === 'budget_tokens'
      return { kind: 'refused', ...refusal, status: statusOf(counters, limits, now), periodEndsAt: budget ? period.endsAt : undefined }
    }
    const lease = this.#nextLease++
    if (limits.rpm !== undefined) counters.admissions.push(now)
    if (limits.tpm !== undefined) {
      counters.tokenEntries.set(lease, { at: now, tokens: request.tokens })
      counters.tokenSum += request.tokens
      counters.lastTokenAt = now
    }
    if (limits.maxConcurrent !== undefined) counters.inFlight.add(lease)
    const spend = counters.spend.get(period.id) ?? { usd: 0, tokens: 0, endsAt: period.endsAt }
    spend.usd += request.costUsd
    spend.tokens += request.tokens
    counters.spend.set(period.id, spend)
    return {
      kind: 'admitted',
      status: statusOf(counters, limits, now),
      lease: new LocalLease(counters, lease, period.id, { tokens: request.tokens, costUsd: request.costUsd }),
    }
  }

  usage(key: string, limits: KeyLimits): Promise<KeyUsage> {
    const now = this.#clock.now()
    const wallNow = this.#clock.wallNow()
    const counters = this.#counters(key, now, wallNow)
    const period = budgetPeriodBounds(limits.budgetPeriod, wallNow)
    const spent = counters.spend.get(period.id)
    return Promise.resolve({
      ...statusOf(counters, limits, now),
      concurrent: limits.maxConcurrent === undefined ? undefined : { limit: limits.maxConcurrent, inFlight: counters.inFlight.size },
      budget: {
        period: limits.budgetPeriod,
        startsAt: period.startsAt,
        endsAt: period.endsAt,
        spentUsd: spent?.usd ?? 0,
        spentTokens: spent?.tokens ?? 0,
        limitUsd: limits.budgetUsd,
        limitTokens: limits.budgetTokens,
      },
    })
  }

  seedSpend(
    key: string,
    period: BudgetPeriod,
    periodStart: number,
    spent: { readonly usd: number; readonly tokens: number },
  ): Promise<void> {
    const counters = this.#counters(key, this.#clock.now(), this.#clock.wallNow())
    const bounds = budgetPeriodBounds(period, periodStart)
    if (!counters.spend.has(bounds.id)) counters.spend.set(bounds.id, { usd: spent.usd, tokens: spent.tokens, endsAt: bounds.endsAt })
    return Promise.resolve()
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  #counters(key: string, now: number, wallNow: number): KeyCounters {
    let counters = this.#keys.get(key)
    if (counters === undefined) {
      counters = new KeyCounters()
      this.#keys.set(key, counters)
    }
    counters.prune(now, wallNow)
    return counters
  }
}

function statusOf(counters: KeyCounters, limits: KeyLimits, now: number): LimitStatus {
  return { requests: counters.requestsStatus(limits.rpm, now), tokens: counters.tokensStatus(limits.tpm, now) }
}

class LocalLease implements LimitLease {
  readonly #counters: KeyCounters
  readonly #id: number
  readonly #periodId: string
  readonly #reserved: SettledUsage
  #settled = false

  constructor(counters: KeyCounters, id: number, periodId: string, reserved: SettledUsage) {
    this.#counters = counters
    this.#id = id
    this.#periodId = periodId
    this.#reserved = reserved
  }

  release(): void {
    this.#counters.inFlight.delete(this.#id)
  }

  settle(actual: SettledUsage): void {
    if (this.#settled) return
    this.#settled = true
    this.release()
    const counters = this.#counters
    // The reservation keeps its place in the window (its time); only its size becomes the real one.
    const entry = counters.tokenEntries.get(this.#id)
    if (entry !== undefined) {
      counters.tokenSum += actual.tokens - entry.tokens
      entry.tokens = actual.tokens
    }
    // Charged to the period the request started in, as the records count it.
    const spend = counters.spend.get(this.#periodId)
    if (spend !== undefined) {
      spend.usd = Math.max(0, spend.usd + actual.costUsd - this.#reserved.costUsd)
      spend.tokens = Math.max(0, spend.tokens + actual.tokens - this.#reserved.tokens)
    }
  }
}
