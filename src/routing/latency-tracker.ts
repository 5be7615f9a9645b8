// Time to first byte per upstream name, as a decaying average, for `lb_policy: latency`. Local to the process and
// fed by the relay's attempt results; the clock is injected, so the estimates are a pure function of the samples.
//
// On a sample x (ms): estimate ← α·x + (1 − α)·prior, where the prior is the previous estimate decayed for the time
// since its last sample (the first sample is taken as is). A failed attempt is a sample of 2 × max(its duration, the
// estimate), so an upstream that fails fast does not look fast. Between samples an estimate decays toward zero,
// halving every `halfLifeMs`: an upstream the policy stopped choosing looks faster and faster until it is chosen
// again and measured, so one that has recovered gets its traffic back, and one still slow costs one request per
// decay period. An upstream never measured has no estimate and is tried first, for the same reason.
import type { Clock } from '../time/clock.js'

export interface LatencyTrackerOptions {
  readonly clock: Clock
  /** Weight of a new sample, in (0, 1]. Default 0.3. */
  readonly alpha?: number
  /** Time without samples in which an estimate halves. Default 30 s. */
  readonly halfLifeMs?: number
}

/** What the relay reports of one attempt. */
export type LatencySample =
  /** The upstream answered: the time from sending the attempt to its first response body byte. */
  | { readonly kind: 'answered'; readonly firstByteMs: number }
  /** It failed in a way that fails over: the attempt's duration. */
  | { readonly kind: 'failed'; readonly durationMs: number }

interface Estimate {
  readonly ms: number
  readonly at: number
}

/** Upstream names come from the config; this bounds the map should names churn across many reloads. */
const maxUpstreams = 4096

export class LatencyTracker {
  readonly #clock: Clock
  readonly #alpha: number
  readonly #halfLifeMs: number
  readonly #estimates = new Map<string, Estimate>()

  constructor(options: LatencyTrackerOptions) {
    this.#clock = options.clock
    this.#alpha = options.alpha ?? 0.3
    this.#halfLifeMs = options.halfLifeMs ?? 30_000
  }

  record(upstream: string, sample: LatencySample): void {
    const now = this.#clock.now()
    const prior = this.#decayed(this.#estimates.get(upstream), now)
    const x = sample.kind === 'answered' ? sample.firstByteMs : 2 * Math.max(sample.durationMs, prior ?? 0)
    const ms = prior === undefined ? x : this.#alpha * x + (1 - this.#alpha) * prior
    if (!this.#estimates.has(upstream) && this.#estimates.size >= maxUpstreams) this.#estimates.clear()
    this.#estimates.set(upstream, { ms, at: now })
  }

  /** The upstream's estimate now, decayed since its last sample; undefined when it was never measured. */
  estimateMs(upstream: string): number | undefined {
    return this.#decayed(this.#estimates.get(upstream), this.#clock.now())
  }

  #decayed(estimate: Estimate | undefined, now: number): number | undefined {
    if (estimate === undefined) return undefined
    const age = Math.max(0, now - estimate.at)
    return estimate.ms * 2 ** (-age / this.#halfLifeMs)
  }
}
