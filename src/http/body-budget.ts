// The bytes of request bodies held in memory across all requests of this process, bounded: past the bound new
// bodies are refused (503) rather than letting many slow or large uploads grow the process without limit.

export class BodyBudget {
  readonly limit: number
  #used = 0

  constructor(limit: number) {
    this.limit = limit
  }

  /** Bytes reserved right now. */
  get used(): number {
    return this.#used
  }

  /** Reserves `bytes` if they fit under the limit. */
  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false
    this.#used += bytes
    return true
  }

  release(bytes: number): void {
    this.#used -= bytes
  }
}
