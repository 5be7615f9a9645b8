// Hands outcomes to the observers in the order their responses ended, even when one still waits for
// a token estimate: records, metrics and logs then read like the traffic did, and a client's requests
// are observed in the order it made them. Nothing waits when nothing is pending (the usual case).
import type { RequestOutcome } from '../relay/request-outcome.js'

interface Pending {
  outcome: RequestOutcome | undefined
}

export class OrderedOutcomes {
  readonly #deliver: (outcome: RequestOutcome) => void
  readonly #queue: Pending[] = []
  #onDrained: Array<() => void> = []

  constructor(deliver: (outcome: RequestOutcome) => void) {
    this.#deliver = deliver
  }

  push(outcome: RequestOutcome | Promise<RequestOutcome>): void {
    if (!(outcome instanceof Promise)) {
      if (this.#queue.length === 0) this.#deliver(outcome)
      else this.#queue.push({ outcome })
      return
    }
    const entry: Pending = { outcome: undefined }
    this.#queue.push(entry)
    outcome.then(
      (ready) => {
        entry.outcome = ready
        this.#flush()
      },
      () => {
        // An outcome that cannot be completed must not hold back the ones behind it.
        this.#queue.splice(this.#queue.indexOf(entry), 1)
        this.#flush()
      },
    )
  }

  /** Outcomes still waiting (for a token estimate, or behind one). */
  get pending(): number {
    return this.#queue.length
  }

  /** Resolves once every outcome pushed so far has been delivered. */
  drained(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#onDrained.push(resolve))
  }

  #flush(): void {
    while (this.#queue.length > 0 && (this.#queue[0] as Pending).outcome !== undefined) {
      const { outcome } = this.#queue.shift() as Pending
      this.#deliver(outcome as RequestOutcome)
    }
    if (this.#queue.length === 0 && this.#onDrained.length > 0) {
      for (const resolve of this.#onDrained.splice(0)) resolve()
    }
  }
}
