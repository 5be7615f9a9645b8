// Hands each finished request to the observers: metrics, alerts and the request log at once, and those that
// need its token figures (records) once they are known. A token estimate still being counted (the tokenizer
// may take seconds to load) holds back only that request's own figures, never another request's log line
// or metrics.
import type { OutcomeObserver, RequestOutcome, TokenUsage } from '../outcome/request-outcome.js'

export interface OutcomeDeliveryOptions {
  /** Run for every outcome as soon as it is pushed; while its usage is being estimated they see none. */
  readonly atOnce: readonly OutcomeObserver[]
  /** Run once the usage is known: at once when reported, when counted when estimated. */
  readonly withUsage: readonly OutcomeObserver[]
  /** Run with the completed outcome when an estimate arrives after `atOnce` ran without it. */
  readonly lateUsage: readonly OutcomeObserver[]
  readonly onError: (error: unknown, outcome: RequestOutcome) => void
}

export class OutcomeDelivery {
  readonly #options: OutcomeDeliveryOptions
  #pending = 0
  #onDrained: Array<() => void> = []

  constructor(options: OutcomeDeliveryOptions) {
    this.#options = options
  }

  push(outcome: RequestOutcome, usage: TokenUsage | undefined | Promise<TokenUsage | undefined>): void {
    if (!(usage instanceof Promise)) {
      // No observer has seen it yet: completed in place (this runs for every request).
      const complete = outcome as { -readonly [K in keyof RequestOutcome]: RequestOutcome[K] }
      complete.usage = usage
      this.#run(this.#options.atOnce, complete)
      this.#run(this.#options.withUsage, complete)
      return
    }
    this.#run(this.#options.atOnce, outcome)
    this.#pending++
    usage.then(
      (counted) => {
        const complete = withUsage(outcome, counted)
        if (counted !== undefined) this.#run(this.#options.lateUsage, complete)
        this.#run(this.#options.withUsage, complete)
        this.#settled()
      },
      (error: unknown) => {
        // Without figures the outcome is still recorded, just without tokens.
        this.#options.onError(error, outcome)
        this.#run(this.#options.withUsage, outcome)
        this.#settled()
      },
    )
  }

  /** Outcomes whose usage is still being estimated. */
  get pending(): number {
    return this.#pending
  }

  /** Resolves once every outcome pushed so far has reached every observer. */
  drained(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.#onDrained.push(resolve))
  }

  #run(observers: readonly OutcomeObserver[], outcome: RequestOutcome): void {
    for (const observer of observers) {
      try {
        observer(outcome)
      } catch (error) {
        this.#options.onError(error, outcome)
      }
    }
  }

  #settled(): void {
    this.#pending--
    if (this.#pending === 0 && this.#onDrained.length > 0) {
      for (const resolve of this.#onDrained.splice(0)) resolve()
    }
  }
}

/** The at-once observers have seen the outcome without usage: the completed one is a copy, not a change under them. */
function withUsage(outcome: RequestOutcome, usage: TokenUsage | undefined): RequestOutcome {
  return usage === undefined ? outcome : { ...outcome, usage }
}
