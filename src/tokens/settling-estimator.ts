// Wraps the token estimator so that shutdown never waits for it: estimates still being counted (the
// tokenizer may take seconds to load) are answered with rough counts at once, and so is any asked later.
import type { TokenEstimator } from './token-estimator.js'

export class SettlingTokenEstimator implements TokenEstimator {
  readonly #inner: TokenEstimator
  readonly #waiting = new Set<(counts: number[]) => void>()
  #settled = false

  constructor(inner: TokenEstimator) {
    this.#inner = inner
  }

  count(texts: readonly string[]): Promise<number[]> {
    // An empty answer means "count roughly" to every caller (see outcomeUsage).
    if (this.#settled) return Promise.resolve([])
    return new Promise((resolve) => {
      const answer = (counts: number[]): void => {
        if (!this.#waiting.delete(answer)) return
        resolve(counts)
      }
      this.#waiting.add(answer)
      this.#inner.count(texts).then(answer, () => answer([]))
    })
  }

  /** Answers what is still being counted roughly, now, and every later request too. */
  settle(): void {
    this.#settled = true
    for (const answer of [...this.#waiting]) answer([])
  }

  async close(): Promise<void> {
    this.settle()
    await this.#inner.close()
  }
}
