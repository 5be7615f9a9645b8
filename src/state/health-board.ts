// HealthBoard: the gateway's one place for upstream health. A breaker per upstream name, read synchronously on the
// request path (never waiting on I/O), fed by the relay's attempt reports, and kept in step with other processes and
// replicas through a HealthSync (changes go out as they happen; changes from elsewhere are applied as they come in).
import type { HealthConfig, UpstreamConfig } from '../config/gateway-config.js'
import { Breaker, type BreakerChange, type BreakerState, type BreakerStatus } from '../routing/breaker.js'
import { orderByHealth } from '../routing/order-by-health.js'
import type { Clock } from '../time/clock.js'
import { noHealthSync, type HealthSync } from './health-sync.js'
import { RequestHealth } from './request-health.js'
import type { UpstreamHealthRecord } from './upstream-health-record.js'

/** How one attempt bears on its upstream's health. */
export type AttemptVerdict =
  /** Its answer reached the client: a 2xx, or an answer that was the client's own (a 400, a 404). */
  | { readonly kind: 'succeeded' }
  /** It failed over (or would have): `retryAfterMs` when a 429 or 503 said when to come back. */
  | { readonly kind: 'failed'; readonly retryAfterMs: number | undefined; readonly detail: string }
  /** Says nothing about the upstream: the client left, the gateway shut down or failed itself. */
  | { readonly kind: 'inconclusive' }

export interface UpstreamStateChange extends BreakerChange {
  readonly upstream: string
  /** Failed attempts in a row when it opened (1 for a back-off signal or a failed probe). */
  readonly failures: number
  /** The last failure seen here, e.g. `upstream_status, HTTP 503`; empty when none. */
  readonly detail: string
  /** Decided in this process (a report, or time ending an open state) rather than applied from elsewhere. */
  readonly local: boolean
}

export interface HealthBoardOptions {
  readonly clock: Clock
  /** Default: nothing is shared. */
  readonly sync?: HealthSync
  /** Names this process in the records it publishes, so its own echo is ignored. */
  readonly origin?: string
}

/** What the board plans for a request: its attempts in order, or a refusal because every candidate is rate-limited. */
export type HealthPlan =
  | {
      readonly kind: 'attempts'
      readonly attempts: readonly UpstreamConfig[]
      /** Moved to the end because they were open. */
      readonly skipped: readonly UpstreamConfig[]
      /** Takes the request's attempt reports; `finished()` once the relay is over. */
      readonly health: RequestHealth
    }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number }

interface Entry {
  readonly breaker: Breaker
  /** The settings the breaker was made with. */
  readonly settings: HealthConfig
  lastFailure: string
  /** Wall-clock ms of the last change applied here, local or remote. */
  changedAt: number
}

export class HealthBoard {
  readonly #clock: Clock
  readonly #sync: HealthSync
  readonly #origin: string
  readonly #entries = new Map<string, Entry>()
  readonly #listeners: Array<(change: UpstreamStateChange) => void> = []

  constructor(upstreams: readonly UpstreamConfig[], options: HealthBoardOptions) {
    this.#clock = options.clock
    this.#sync = options.sync ?? noHealthSync
    this.#origin = options.origin ?? 'local'
    for (const upstream of upstreams) this.#entry(upstream)
    this.#sync.onRemote((record) => this.apply(record))
  }

  /** Every change of an upstream's state, local or from elsewhere. */
  onChange(listener: (change: UpstreamStateChange) => void): void {
    this.#listeners.push(listener)
  }

  /**
   * A reloaded config: the breakers of upstreams whose name stays keep their state (with the new health settings);
   * those of removed upstreams go, new ones start closed.
   */
  retain(upstreams: readonly UpstreamConfig[]): void {
    const kept = new Set(upstreams.map((upstream) => upstream.name))
    for (const name of [...this.#entries.keys()]) if (!kept.has(name)) this.#entries.delete(name)
    for (const upstream of upstreams) {
      const entry = this.#entries.get(upstream.name)
      if (entry === undefined) this.#entry(upstream)
      else if (!sameHealth(entry.settings, upstream.health)) {
        const breaker = new Breaker(upstream.health, this.#clock)
        if (breaker.enabled) breaker.restore(entry.breaker.status())
        this.#entries.set(upstream.name, { ...entry, breaker, settings: upstream.health })
      }
    }
  }

  /** Catches up with the state other processes hold (at start); a request never waits for this. */
  async catchUp(): Promise<void> {
    for (const record of await this.#sync.snapshot()) this.apply(record)
  }

  close(): Promise<void> {
    return this.#sync.close()
  }

  /** The policy's order with open upstreams moved to the end; the half-open ones left in place take their probe. */
  plan(attempts: readonly UpstreamConfig[]): HealthPlan {
    const order = orderByHealth(attempts, (upstream) => this.#observe(upstream))
    if (order.kind === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: Math.max(0, order.retryAt - this.#clock.now()) }
    let probes: Map<string, Breaker> | undefined
    for (const upstream of order.attempts) {
      const breaker = this.#entry(upstream).breaker
      if (breaker.claimProbe()) (probes ??= new Map()).set(upstream.name, breaker)
    }
    return { kind: 'attempts', attempts: order.attempts, skipped: order.skipped, health: new RequestHealth(this, order.attempts, probes) }
  }

  /** How long until the soonest of these upstreams leaves its open state; undefined when none is open. */
  retryAfterMs(upstreams: readonly UpstreamConfig[]): number | undefined {
    let soonest: number | undefined
    for (const upstream of upstreams) {
      const status = this.#entry(upstream).breaker.status()
      if (status.state === 'open') soonest = Math.min(soonest ?? Infinity, status.openUntil)
    }
    return soonest === undefined ? undefined : soonest - this.#clock.now()
  }

  /** The state of every upstream the board knows, for the metrics. */
  states(): Array<{ readonly upstream: string; readonly state: BreakerState }> {
    return [...this.#entries].map(([upstream, entry]) => ({ upstream, state: entry.breaker.state }))
  }

  /** Whether an active probe may bring the upstream back: open on its own failures (not on a back-off it asked for). */
  probeable(upstream: UpstreamConfig): boolean {
    const breaker = this.#observe(upstream)
    return breaker.state === 'open' && !breaker.rateLimited
  }

  /** An active probe answered 2xx: an open upstream goes half-open now, here and wherever it is shared; false if it was not open. */
  probeSucceeded(upstream: UpstreamConfig): boolean {
    const change = this.#observe(upstream).probedHealthy()
    if (change !== undefined) this.#changed(upstream.name, change)
    return change !== undefined
  }

  /** `holdsProbe`: the request reporting holds the upstream's half-open probe. */
  report(upstream: UpstreamConfig, verdict: AttemptVerdict, holdsProbe: boolean): void {
    const breaker = this.#observe(upstream)
    let change: BreakerChange | undefined
    switch (verdict.kind) {
      case 'succeeded':
        change = breaker.succeeded()
        break
      case 'failed':
        this.#entry(upstream).lastFailure = verdict.detail
        // While another request's probe is under way, this one's failure (a last resort) does not decide for it.
        if (holdsProbe || !breaker.probing || breaker.state !== 'half_open') change = breaker.failed(verdict.retryAfterMs)
        break
      case 'inconclusive':
        if (holdsProbe) breaker.releaseProbe()
        break
    }
    if (change !== undefined) this.#changed(upstream.name, change)
  }

  /** A record from another process or replica: applied when newer, but never shortening an open state. */
  apply(record: UpstreamHealthRecord): void {
    if (record.origin === this.#origin) return
    const entry = this.#entries.get(record.upstream)
    if (entry === undefined || record.changedAt <= entry.changedAt) return
    const local = entry.breaker.status()
    const openUntil = record.state === 'closed' ? 0 : this.#clock.now() + (record.openUntil - this.#clock.wallNow())
    // A half-open record (a probe elsewhere found it up) ends an open state early, unless a back-off is in force here.
    const shortens = record.state === 'open' || local.rateLimited
    if (local.state === 'open' && record.state !== 'closed' && shortens && openUntil < local.openUntil) return
    entry.changedAt = record.changedAt
    const status: BreakerStatus = { state: record.state, openUntil, cooldownMs: record.cooldownMs, rateLimited: record.rateLimited }
    const change = entry.breaker.restore(status)
    if (change !== undefined) this.#emit({ upstream: record.upstream, ...change, local: false, failures: 0, detail: entry.lastFailure })
  }

  #entry(upstream: UpstreamConfig): Entry {
    let entry = this.#entries.get(upstream.name)
    if (entry === undefined) {
      entry = { breaker: new Breaker(upstream.health, this.#clock), settings: upstream.health, changedAt: 0, lastFailure: '' }
      this.#entries.set(upstream.name, entry)
    }
    return entry
  }

  /** The breaker, after reporting a change time made on its own (open → half_open). */
  #observe(upstream: UpstreamConfig): Breaker {
    const entry = this.#entry(upstream)
    const breaker = entry.breaker
    if (breaker.enabled) {
      const seen = breaker.observe()
      if (seen !== undefined) this.#emit({ upstream: upstream.name, ...seen, local: true, failures: 0, detail: entry.lastFailure })
    }
    return breaker
  }

  #changed(upstream: string, change: BreakerChange): void {
    const entry = this.#entries.get(upstream) as Entry
    const status = entry.breaker.status()
    // Strictly after the last change known here: two changes in one millisecond (open, then closed by a success in
    // flight) must both be news elsewhere, where a record no newer than the one held is dropped.
    const changedAt = Math.max(this.#clock.wallNow(), entry.changedAt + 1)
    entry.changedAt = changedAt
    this.#sync.publish({
      upstream,
      state: status.state,
      openUntil: status.state === 'closed' ? 0 : changedAt + (status.openUntil - this.#clock.now()),
      cooldownMs: status.cooldownMs,
      rateLimited: status.rateLimited,
      changedAt,
      origin: this.#origin,
    })
    this.#emit({ upstream, ...change, local: true, failures: Math.max(1, entry.breaker.failuresInRow), detail: entry.lastFailure })
  }

  #emit(change: UpstreamStateChange): void {
    for (const listener of this.#listeners) listener(change)
  }
}

function sameHealth(a: HealthConfig, b: HealthConfig): boolean {
  return (Object.keys(a) as Array<keyof HealthConfig>).every((key) => a[key] === b[key])
}
