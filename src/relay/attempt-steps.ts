// The order of a request's attempts: each planned upstream in turn, a failed one retried on the same upstream while
// the retry policy allows (relay/retry-policy.ts), and once a model's candidates have all failed (or one answered
// that the context is too long) the first candidate of its next fallback model (relay/model-fallbacks.ts).
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { GatewayError } from '../errors/gateway-error.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import type { Clock } from '../time/clock.js'
import type { DeadlineSettings } from './attempt-deadlines.js'
import type { AttemptHealth } from './attempt-verdict.js'
import type { UpstreamAnswer } from './body-sink.js'
import { isContextLengthExceeded } from './context-length-answer.js'
import { decideRetry, type RetryReason } from './retry-policy.js'

/** The candidates planned for one client model: the requested one, or a fallback. */
export interface RelayLeg {
  readonly model: string
  readonly plan: readonly UpstreamConfig[]
  /** The request as each upstream is sent it (its own name for this model). */
  readonly requestFor: (upstream: UpstreamConfig) => UpstreamRequest
  /** No fallback model may follow this one: its last candidate is the request's last. */
  readonly final: boolean
  /** Hears how a fallback model's attempts went, for the breakers; unset: the relay's own (the requested model's). */
  readonly health?: AttemptHealth
}

/** The next leg once `model`'s candidates failed, or undefined when no fallback model is left. */
export type NextLeg = (failed: RelayLeg) => RelayLeg | undefined

export interface AttemptStep {
  readonly leg: RelayLeg
  /** Position in the leg's plan. */
  readonly index: number
  readonly upstream: UpstreamConfig
  /** 0 for the upstream's first try, n for its nth retry. */
  readonly retry: number
  /** Why this retry waited, when it is one. */
  readonly reason: RetryReason | undefined
  /** Wait this long before the attempt starts (a retry's backoff or Retry-After). */
  readonly waitMs: number
}

/** How an attempt ended, as far as choosing the next one goes. */
export interface StepFailure {
  readonly error: GatewayError
  readonly answer: UpstreamAnswer | undefined
  /** The failure fails over (retryable, the client still there, no shutdown). */
  readonly failsOver: boolean
}

export class AttemptSteps {
  readonly #clock: Clock
  readonly #random: () => number
  readonly #nextLeg: NextLeg | undefined
  readonly #stream: boolean
  /** When the current upstream's first try began: its total_timeout covers its retries too. */
  #turnStartedAt = 0

  constructor(options: { clock: Clock; random: () => number; nextLeg: NextLeg | undefined; stream: boolean }) {
    this.#clock = options.clock
    this.#random = options.random
    this.#nextLeg = options.nextLeg
    this.#stream = options.stream
  }

  first(leg: RelayLeg): AttemptStep | undefined {
    const upstream = leg.plan[0]
    return upstream === undefined ? this.#fallback(leg) : { leg, index: 0, upstream, retry: 0, reason: undefined, waitMs: 0 }
  }

  /** The attempt at `step` starts now: its deadlines (a retry gets a fresh first byte and what is left of the total). */
  begin(step: AttemptStep): DeadlineSettings {
    const now = this.#clock.now()
    if (step.retry === 0) this.#turnStartedAt = now
    const { upstream, leg } = step
    const isLast = leg.final && step.index === leg.plan.length - 1
    const deadlines = deadlinesFor(upstream, this.#stream, isLast)
    if (deadlines.totalMs === 0 || step.retry === 0) return deadlines
    return { ...deadlines, totalMs: Math.max(1, this.#turnStartedAt + deadlines.totalMs - now) }
  }

  /** After a failed attempt at `step`: a retry, the next candidate, a fallback model's first, or nothing. */
  after(step: AttemptStep, failure: StepFailure): AttemptStep | undefined {
    const { leg, upstream } = step
    if (!failure.failsOver) {
      return failure.answer !== undefined && isContextLengthExceeded(failure.error) ? this.#fallback(leg) : undefined
    }
    const totalMs = upstream.totalTimeoutMs
    const decision = decideRetry({
      upstream,
      error: failure.error,
      answer: failure.answer,
      retriesDone: step.retry,
      isLastCandidate: step.index === leg.plan.length - 1,
      timeLeftMs: totalMs === 0 ? Infinity : this.#turnStartedAt + totalMs - this.#clock.now(),
      wallNow: this.#clock.wallNow(),
      random: this.#random,
    })
    if (decision.kind === 'retry') return { ...step, retry: step.retry + 1, reason: decision.reason, waitMs: decision.waitMs }
    const next = leg.plan[step.index + 1]
    if (next === undefined) return this.#fallback(leg)
    return { leg, index: step.index + 1, upstream: next, retry: 0, reason: undefined, waitMs: 0 }
  }

  #fallback(leg: RelayLeg): AttemptStep | undefined {
    for (let next = this.#nextLeg?.(leg); next !== undefined; next = this.#nextLeg?.(next)) {
      const upstream = next.plan[0]
      if (upstream !== undefined) return { leg: next, index: 0, upstream, retry: 0, reason: undefined, waitMs: 0 }
    }
    return undefined
  }
}

/** The last candidate always gets `timeout`: nothing remains to fail over to, so a short stream deadline only hurts. */
export function deadlinesFor(upstream: UpstreamConfig, stream: boolean, isLast: boolean): DeadlineSettings {
  return {
    firstByteMs: stream && !isLast ? upstream.streamFirstByteTimeoutMs : upstream.firstByteTimeoutMs,
    idleMs: upstream.idleTimeoutMs,
    totalMs: upstream.totalTimeoutMs,
  }
}
