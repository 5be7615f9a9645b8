// Named keys' limits shared by every replica through Redis: one script per check, atomic, on Redis's clock, with the
// same semantics as LocalLimitStore. Concurrency slots are leases that expire: a process renews its own while it
// holds them, so the slots of one that dies come back within the lease's ttl.
import { randomBytes } from 'node:crypto'
import type { BudgetPeriod, KeyLimits } from '../config/gateway-config.js'
import type { Clock, TimerHandle } from '../time/clock.js'
import { budgetPeriodBounds } from './budget-period.js'
import { checkScript, releaseScript, renewScript, seedScript, settleScript, usageScript, type LimitScript } from './limit-scripts.js'
import type {
  KeyUsage,
  LimitDecision,
  LimitLease,
  LimitRefusal,
  LimitRequest,
  LimitStore,
  SettledUsage,
  WindowStatus,
} from './limit-store.js'
import { limitWindowMs, refusalRetry, windowResetMs } from './limit-windows.js'

/** The slice of @redis/client the store uses. */
export interface LimitRedisClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
}

export interface RedisLimitStoreOptions {
  readonly client: LimitRedisClient
  /** `redis.prefix`: starts every key. */
  readonly prefix: string
  /** Timers of the lease renewal, and the wall clock that picks a budget's period. */
  readonly clock: Clock
  /** A concurrency slot not renewed for this long is free again (default 20 s). */
  readonly leaseTtlMs?: number
  /** How often held slots are renewed (default a quarter of the ttl); 0: never, as a process that died. */
  readonly renewEveryMs?: number
  /** A command that failed outside a check (a release, a settle, a renewal): the check's own failures reject it. */
  readonly onError: (error: unknown) => void
}

/** Spend of a period is kept this long after it ends, for a request that settles late. */
const spendKeptAfterEndMs = 86_400_000

type CheckReply = [string, number, number, number, number, number, number]
type UsageReply = [number, number, number, number, number, number, string, string]
type UsageNumbers = [number, number, number, number, number, number, number, number]

export class RedisLimitStore implements LimitStore {
  readonly #client: LimitRedisClient
  readonly #prefix: string
  readonly #clock: Clock
  readonly #leaseTtlMs: number
  readonly #renewEveryMs: number
  readonly #onError: (error: unknown) => void
  /** Names this store's leases apart from every other process's. */
  readonly #origin = randomBytes(6).toString('hex')
  #nextLease = 1
  /** Slots held by this process: lease id → its key's lease set. */
  readonly #held = new Map<string, string>()
  /** Scripts sent whole once already: Redis holds them by their SHA-1 since. */
  readonly #loaded = new Set<string>()
  #renewal: TimerHandle | undefined
  #closed = false

  constructor(options: RedisLimitStoreOptions) {
    this.#client = options.client
    this.#prefix = options.prefix
    this.#clock = options.clock
    this.#leaseTtlMs = options.leaseTtlMs ?? 20_000
    this.#renewEveryMs = options.renewEveryMs ?? Math.floor(this.#leaseTtlMs / 4)
    this.#onError = options.onError
  }

  async check(request: LimitRequest): Promise<LimitDecision> {
    const { limits } = request
    const keys = this.#keys(request.key, limits.budgetPeriod)
    const period = keys.period
    const lease = `${this.#origin}.${this.#nextLease++}`
    // Token counts are whole numbers in Redis; a fraction of a token is reserved as one.
    const tokens = Math.ceil(request.tokens)
    const reply = (await this.#run(checkScript, keys.list, [
      optional(limits.rpm),
      optional(limits.tpm),
      optional(limits.maxConcurrent),
      optional(limits.budgetUsd),
      optional(limits.budgetTokens),
      String(tokens),
      usdArgument(request.costUsd),
      lease,
      String(this.#leaseTtlMs),
      period.endsAt === undefined ? '' : String(period.endsAt + spendKeptAfterEndMs),
      String(limitWindowMs),
    ])) as CheckReply
    const [refusal, retryMs, now, count, newestRequest, sum, newestTokens] = reply.map((value, i) =>
      i === 0 ? value : Number(value),
    ) as CheckReply
    const status = {
      requests: windowStatus(limits.rpm, count, newestRequest, now),
      tokens: windowStatus(limits.tpm, sum, sum > 0 ? newestTokens : -1, now),
    }
    if (refusal !== '') {
      const reason = refusal as LimitRefusal
      const budget = reason === 'budget_usd' || reason === 'budget_tokens'
      const retryAfterMs = budget
        ? refusalRetry.budget(period.endsAt, now)
        : reason === 'concurrency'
          ? refusalRetry.concurrencyMs
          : Math.max(0, retryMs)
      return { kind: 'refused', reason, retryAfterMs, status, periodEndsAt: budget ? period.endsAt : undefined }
    }
    if (limits.maxConcurrent !== undefined) this.#hold(lease, keys.leases)
    return { kind: 'admitted', status, lease: new RedisLease(this, lease, keys.list, { tokens, costUsd: request.costUsd }) }
  }

  async usage(key: string, limits: KeyLimits): Promise<KeyUsage> {
    const keys = this.#keys(key, limits.budgetPeriod)
    const reply = (await this.#run(usageScript, keys.list, [String(limitWindowMs)])) as UsageReply
    const [now, count, newestRequest, sum, newestTokens, inFlight] = reply.map(Number) as UsageNumbers
    return {
      requests: windowStatus(limits.rpm, count, newestRequest, now),
      tokens: windowStatus(limits.tpm, sum, sum > 0 ? newestTokens : -1, now),
      concurrent: limits.maxConcurrent === undefined ? undefined : { limit: limits.maxConcurrent, inFlight },
      budget: {
        period: limits.budgetPeriod,
        startsAt: keys.period.startsAt,
        endsAt: keys.period.endsAt,
        spentUsd: Number(reply[6]),
        spentTokens: Number(reply[7]),
        limitUsd: limits.budgetUsd,
        limitTokens: limits.budgetTokens,
      },
    }
  }

  async seedSpend(
    key: string,
    period: BudgetPeriod,
    periodStart: number,
    spent: { readonly usd: number; readonly tokens: number },
  ): Promise<void> {
    const bounds = budgetPeriodBounds(period, periodStart)
    await this.#run(
      seedScript,
      [this.#spendKey(key, bounds.id)],
      [
        usdArgument(spent.usd),
        String(Math.ceil(spent.tokens)),
        bounds.endsAt === undefined ? '' : String(bounds.endsAt + spendKeptAfterEndMs),
      ],
    )
  }

  /** Stops renewing; the slots still held are freed (a process that stops cleanly gives them back at once). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#renewal !== undefined) this.#clock.clearTimeout(this.#renewal)
    this.#renewal = undefined
    const held = [...this.#held]
    this.#held.clear()
    if (held.length === 0) return
    await this.#run(
      releaseScript,
      held.map(([, leases]) => leases),
      held.map(([lease]) => lease),
    ).catch(this.#onError)
  }

  /** Settles a lease: one round trip. */
  settleLease(lease: string, keys: readonly string[], reserved: SettledUsage, actual: SettledUsage): void {
    this.#held.delete(lease)
    const tokens = Math.ceil(actual.tokens)
    const [, tokensKey, sizes, sum, leases, spend] = keys as [string, string, string, string, string, string]
    this.#run(
      settleScript,
      [tokensKey, sizes, sum, leases, spend],
      [lease, String(tokens), String(tokens - reserved.tokens), usdArgument(actual.costUsd - reserved.costUsd)],
    ).catch(this.#onError)
  }

  /** Frees a lease's concurrency slot, if it holds one. */
  releaseLease(lease: string): void {
    const leases = this.#held.get(lease)
    if (leases === undefined) return
    this.#held.delete(lease)
    this.#run(releaseScript, [leases], [lease]).catch(this.#onError)
  }

  #hold(lease: string, leases: string): void {
    this.#held.set(lease, leases)
    if (this.#renewal !== undefined || this.#renewEveryMs <= 0 || this.#closed) return
    const renew = (): void => {
      this.#renewal = undefined
      if (this.#held.size === 0 || this.#closed) return
      const held = [...this.#held]
      this.#run(
        renewScript,
        held.map(([, key]) => key),
        [String(this.#leaseTtlMs), ...held.map(([id]) => id)],
      ).catch(this.#onError)
      this.#renewal = this.#clock.setTimeout(renew, this.#renewEveryMs)
      this.#renewal.unref?.()
    }
    this.#renewal = this.#clock.setTimeout(renew, this.#renewEveryMs)
    this.#renewal.unref?.()
  }

  /**
   * EVAL the first time (Redis keeps the script), EVALSHA after, and EVAL again when Redis has lost it (a restart, SCRIPT
   * FLUSH). Never a separate SCRIPT LOAD, which would let a settle and the next check reach Redis out of order.
   */
  async #run(script: LimitScript, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args }
    if (!this.#loaded.has(script.sha1)) {
      const reply = await this.#client.eval(script.source, options)
      this.#loaded.add(script.sha1)
      return reply
    }
    try {
      return await this.#client.evalSha(script.sha1, options)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return await this.#client.eval(script.source, options)
    }
  }

  #keys(key: string, period: BudgetPeriod) {
    // The hash tag keeps one key's figures in one slot of a Redis Cluster.
    const base = `${this.#prefix}limits:{${key}}:`
    const bounds = budgetPeriodBounds(period, this.#clock.wallNow())
    const list = [
      `${base}requests`,
      `${base}tokens`,
      `${base}token-sizes`,
      `${base}token-sum`,
      `${base}leases`,
      this.#spendKey(key, bounds.id),
    ]
    return { list, leases: `${base}leases`, period: bounds }
  }

  #spendKey(key: string, periodId: string): string {
    return `${this.#prefix}limits:{${key}}:spend:${periodId}`
  }
}

class RedisLease implements LimitLease {
  readonly #store: RedisLimitStore
  readonly #id: string
  readonly #keys: readonly string[]
  readonly #reserved: SettledUsage
  #settled = false

  constructor(store: RedisLimitStore, id: string, keys: readonly string[], reserved: SettledUsage) {
    this.#store = store
    this.#id = id
    this.#keys = keys
    this.#reserved = reserved
  }

  release(): void {
    this.#store.releaseLease(this.#id)
  }

  settle(actual: SettledUsage): void {
    if (this.#settled) return
    this.#settled = true
    this.#store.settleLease(this.#id, this.#keys, this.#reserved, actual)
  }
}

function windowStatus(limit: number | undefined, used: number, newest: number, now: number): WindowStatus | undefined {
  if (limit === undefined) return undefined
  return { limit, remaining: Math.max(0, limit - used), resetMs: newest < 0 || used <= 0 ? 0 : windowResetMs(newest, now) }
}

function optional(limit: number | undefined): string {
  return limit === undefined ? '' : String(limit)
}

/** Fixed notation: HINCRBYFLOAT would take `1e-7`, but a fixed figure reads the same in every Redis. */
function usdArgument(usd: number): string {
  return usd.toFixed(12)
}
