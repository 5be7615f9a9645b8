// One upstream's circuit breaker: closed (used), open (skipped until a time), half_open (one probe at a time).
// A pure state machine on an injected clock; what it decides is read synchronously on every request.
import type { HealthConfig } from '../config/gateway-config.js'
import type { Clock } from '../time/clock.js'

export type BreakerState = 'closed' | 'open' | 'half_open'

/** What a breaker is, for plans, metrics and sharing. Times are on the clock's monotonic scale. */
export interface BreakerStatus {
  readonly state: BreakerState
  /** When an open state ends; 0 when closed. */
  readonly openUntil: number
  /** The cooldown the last opening used (doubled by each failed probe, up to the maximum). */
  readonly cooldownMs: number
  /** Open because the upstream said when to come back (`Retry-After`, `x-ratelimit-reset-*`), and that time is still ahead. */
  readonly rateLimited: boolean
}

/** A breaker's visible state changed, e.g. closed → open. */
export interface BreakerChange {
  readonly from: BreakerState
  readonly to: BreakerState
}

/** The failure-rate window is kept in this many buckets, so a report costs the same whatever the traffic. */
const windowBuckets = 20

export class Breaker {
  readonly #settings: HealthConfig
  readonly #clock: Pick<Clock, 'now'>
  #open = false
  #openUntil = 0
  #cooldownMs: number
  #rateLimited = false
  #consecutiveFailures = 0
  #probing = false
  /** The state last seen by `observe()`, to report a change that came with time (open → half_open). */
  #seen: BreakerState = 'closed'
  readonly #bucketMs: number
  readonly #bucketStart = new Float64Array(windowBuckets).fill(-Infinity)
  readonly #bucketTotal = new Uint32Array(windowBuckets)
  readonly #bucketFailed = new Uint32Array(windowBuckets)

  constructor(settings: HealthConfig, clock: Pick<Clock, 'now'>) {
    this.#settings = settings
    this.#clock = clock
    this.#cooldownMs = settings.cooldownMs
    this.#bucketMs = Math.max(1, settings.windowMs / windowBuckets)
  }

  get enabled(): boolean {
    return this.#settings.enabled
  }

  get state(): BreakerState {
    if (!this.#open) return 'closed'
    return this.#clock.now() < this.#openUntil ? 'open' : 'half_open'
  }

  status(): BreakerStatus {
    const state = this.state
    return {
      state,
      openUntil: state === 'closed' ? 0 : this.#openUntil,
      cooldownMs: this.#cooldownMs,
      rateLimited: state === 'open' && this.#rateLimited,
    }
  }

  /** Whether a request should try this upstream in its normal place: closed, or half_open with no probe under way. */
  get usable(): boolean {
    const state = this.state
    return state === 'closed' || (state === 'half_open' && !this.#probing)
  }

  /** When this upstream may be used again: now when usable, else the end of its open state. */
  get recoversAt(): number {
    return this.usable ? this.#clock.now() : this.#openUntil
  }

  /** Open on a back-off signal from the upstream whose time is still ahead. */
  get rateLimited(): boolean {
    return this.#rateLimited && this.state === 'open'
  }

  /** Failed attempts in a row while closed (what opened it, once open). */
  get failuresInRow(): number {
    return this.#consecutiveFailures
  }

  /** A request holds the half-open state's probe. */
  get probing(): boolean {
    return this.#probing
  }

  /** Takes the half-open state's one probe; false when it is not half_open or another request holds the probe. */
  claimProbe(): boolean {
    if (this.state !== 'half_open' || this.#probing) return false
    this.#probing = true
    return true
  }

  /** A claimed probe that was never sent (an earlier upstream answered, or the client left). */
  releaseProbe(): void {
    this.#probing = false
  }

  /** An attempt whose answer reached the client (2xx, or an answer that was the client's own). */
  succeeded(): BreakerChange | undefined {
    if (!this.#settings.enabled) return undefined
    if (this.#open) {
      // A success on an upstream that asked to be left alone until a time does not lift that time.
      if (this.#rateLimited && this.state === 'open') return undefined
      return this.#close()
    }
    this.#consecutiveFailures = 0
    this.#count(false)
    return undefined
  }

  /** An attempt that failed over; `retryAfterMs`: how long the upstream asked to be left alone (a 429 or 503 with a signal). */
  failed(retryAfterMs?: number): BreakerChange | undefined {
    const settings = this.#settings
    if (!settings.enabled) return undefined
    const now = this.#clock.now()
    const from = this.state
    const signalUntil = retryAfterMs === undefined ? 0 : now + Math.min(retryAfterMs, settings.maxCooldownMs)
    if (from === 'half_open') {
      this.#probing = false
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, settings.maxCooldownMs)
      this.#openFor(now + this.#cooldownMs, signalUntil)
    } else if (from === 'open') {
      if (signalUntil > this.#openUntil) this.#openFor(this.#openUntil, signalUntil)
    } else {
      this.#consecutiveFailures++
      this.#count(true)
      if (signalUntil > 0) this.#openFor(now, signalUntil)
      else if (this.#consecutiveFailures >= settings.failuresToOpen || this.#rateExceeded(now)) this.#openFor(now + this.#cooldownMs, 0)
    }
    return this.#changeFrom(from)
  }

  /**
   * An active probe of the open upstream answered 2xx: its open state ends now, so the next request is the probe
   * that can close it. A back-off the upstream asked for is kept (the probe says it is up, not that it takes requests).
   */
  probedHealthy(): BreakerChange | undefined {
    if (!this.#settings.enabled || this.state !== 'open' || this.#rateLimited) return undefined
    const from = this.state
    this.#openUntil = this.#clock.now()
    return this.#changeFrom(from)
  }

  /** The change since the last look (open → half_open happens with time alone); undefined when there was none. */
  observe(): BreakerChange | undefined {
    const from = this.#seen
    if (!this.#open && from === 'closed') return undefined
    const to = this.state
    if (to === from) return undefined
    this.#seen = to
    return { from, to }
  }

  /**
   * Takes a state decided elsewhere (another process or replica): `openUntil` on this breaker's clock. Counts start
   * afresh; a probe under way here stays this process's.
   */
  restore(status: BreakerStatus): BreakerChange | undefined {
    if (!this.#settings.enabled) return undefined
    const from = this.state
    this.#consecutiveFailures = 0
    this.#cooldownMs = status.cooldownMs
    if (status.state === 'closed') {
      this.#open = false
      this.#openUntil = 0
      this.#rateLimited = false
    } else {
      this.#open = true
      this.#openUntil = status.state === 'half_open' ? Math.min(status.openUntil, this.#clock.now()) : status.openUntil
      this.#rateLimited = status.rateLimited
    }
    return this.#changeFrom(from)
  }

  #openFor(until: number, signalUntil: number): void {
    this.#open = true
    this.#rateLimited = signalUntil > until
    this.#openUntil = Math.max(until, signalUntil)
  }

  #close(): BreakerChange | undefined {
    const from = this.state
    this.#open = false
    this.#openUntil = 0
    this.#rateLimited = false
    this.#probing = false
    this.#cooldownMs = this.#settings.cooldownMs
    this.#consecutiveFailures = 0
    this.#bucketStart.fill(-Infinity)
    return this.#changeFrom(from)
  }

  #changeFrom(from: BreakerState): BreakerChange | undefined {
    const to = this.state
    this.#seen = to
    return from === to ? undefined : { from, to }
  }

  #count(failed: boolean): void {
    const slot = Math.floor(this.#clock.now() / this.#bucketMs)
    const i = slot % windowBuckets
    if (this.#bucketStart[i] !== slot) {
      this.#bucketStart[i] = slot
      this.#bucketTotal[i] = 0
      this.#bucketFailed[i] = 0
    }
    this.#bucketTotal[i] = (this.#bucketTotal[i] ?? 0) + 1
    if (failed) this.#bucketFailed[i] = (this.#bucketFailed[i] ?? 0) + 1
  }

  #rateExceeded(now: number): boolean {
    const { minRequests, failureRate } = this.#settings
    const oldest = Math.floor(now / this.#bucketMs) - windowBuckets + 1
    let total = 0
    let failed = 0
    for (let i = 0; i < windowBuckets; i++) {
      if ((this.#bucketStart[i] as number) < oldest) continue
      total += this.#bucketTotal[i] as number
      failed += this.#bucketFailed[i] as number
    }
    return total >= minRequests && failed >= failureRate * total
  }
}
