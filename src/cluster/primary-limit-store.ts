// A worker's LimitStore under `--workers N` without Redis: every check goes to the primary, which counts for all the
// workers in one LocalLimitStore, so the limits hold exactly across them. A primary that does not answer in time
// fails the check (ResilientLimitStore then decides); an admission that arrives too late is given back at once.
import type { BudgetPeriod, KeyLimits } from '../config/gateway-config.js'
import type { KeyUsage, LimitDecision, LimitLease, LimitRequest, LimitStore, SettledUsage } from '../limits/limit-store.js'
import type { Clock } from '../time/clock.js'
import type { PrimaryMessage, WorkerMessage } from './cluster-messages.js'

/** The primary of this worker did not answer a limit message in time (or the worker is closing). */
export class PrimaryLimitsUnreachableError extends Error {
  override readonly name = 'PrimaryLimitsUnreachableError'
  readonly code = 'primary_limits_unreachable'
}

export interface PrimaryLimitStoreOptions {
  readonly send: (message: WorkerMessage) => void
  readonly clock: Clock
  /** How long a check waits for the primary before it fails (default 1 s). */
  readonly timeoutMs?: number
}

/** How long a reply that came too late is still heard (to give back what it admitted). */
const lateReplyKeptMs = 60_000

type LimitReply = Extract<PrimaryMessage, { type: 'oar:limit-decision' | 'oar:limit-usage-reply' | 'oar:limit-seed-reply' }>

export class PrimaryLimitStore implements LimitStore {
  readonly #send: (message: WorkerMessage) => void
  readonly #clock: Clock
  readonly #timeoutMs: number
  readonly #pending = new Map<number, (reply: LimitReply) => void>()
  #nextId = 1
  #closed = false

  constructor(options: PrimaryLimitStoreOptions) {
    this.#send = options.send
    this.#clock = options.clock
    this.#timeoutMs = options.timeoutMs ?? 1_000
  }

  async check(request: LimitRequest): Promise<LimitDecision> {
    const id = this.#nextId++
    const reply = await this.#ask(id, { type: 'oar:limit-check', id, request }, (late) => {
      // The primary admitted a check this worker stopped waiting for: nobody will end that request, so free its slot.
      if (late.type === 'oar:limit-decision' && late.decision.kind === 'admitted') this.#send({ type: 'oar:limit-release', id })
    })
    if (reply.type !== 'oar:limit-decision') throw new PrimaryLimitsUnreachableError(`unexpected ${reply.type}`)
    const { decision } = reply
    if (decision.kind !== 'admitted') return decision
    return { ...decision, lease: new PrimaryLease(id, this.#send) }
  }

  async usage(key: string, limits: KeyLimits): Promise<KeyUsage> {
    const id = this.#nextId++
    const reply = await this.#ask(id, { type: 'oar:limit-usage', id, key, limits })
    if (reply.type !== 'oar:limit-usage-reply') throw new PrimaryLimitsUnreachableError(`unexpected ${reply.type}`)
    return reply.usage
  }

  async seedSpend(
    key: string,
    period: BudgetPeriod,
    periodStart: number,
    spent: { readonly usd: number; readonly tokens: number },
  ): Promise<void> {
    const id = this.#nextId++
    await this.#ask(id, { type: 'oar:limit-seed', id, key, period, periodStart, spent })
  }

  /** A reply from the primary (`oar:limit-decision`, `oar:limit-usage-reply`, `oar:limit-seed-reply`). */
  receive(reply: LimitReply): void {
    const resolve = this.#pending.get(reply.id)
    if (resolve === undefined) return
    this.#pending.delete(reply.id)
    resolve(reply)
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  #ask(id: number, message: WorkerMessage, onLate?: (reply: LimitReply) => void): Promise<LimitReply> {
    if (this.#closed) return Promise.reject(new PrimaryLimitsUnreachableError('the limit store is closed'))
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        // A reply after this goes to onLate, once; one that never comes is forgotten after a while.
        const forget = this.#clock.setTimeout(() => this.#pending.delete(id), lateReplyKeptMs)
        forget.unref?.()
        this.#pending.set(id, (late) => {
          this.#clock.clearTimeout(forget)
          onLate?.(late)
        })
        reject(new PrimaryLimitsUnreachableError(`the primary did not answer ${message.type} within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      timer.unref?.()
      this.#pending.set(id, (reply) => {
        this.#clock.clearTimeout(timer)
        resolve(reply)
      })
      this.#send(message)
    })
  }
}

class PrimaryLease implements LimitLease {
  readonly #id: number
  readonly #send: (message: WorkerMessage) => void
  #released = false
  #settled = false

  constructor(id: number, send: (message: WorkerMessage) => void) {
    this.#id = id
    this.#send = send
  }

  release(): void {
    if (this.#released || this.#settled) return
    this.#released = true
    this.#send({ type: 'oar:limit-release', id: this.#id })
  }

  settle(actual: SettledUsage): void {
    if (this.#settled) return
    this.#settled = true
    this.#send({ type: 'oar:limit-settle', id: this.#id, actual })
  }
}
