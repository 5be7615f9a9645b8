// The bytes of request bodies held in memory across all requests of this process, bounded: past the bound new
// bodies are refused (503) rather than letting many slow or large uploads grow the process without limit.

export class BodyBudget {
  readonly limit: number
  readonly #parent: BodyBudget | undefined
  #used = 0
  #anonymous: BodyBudget | undefined

  constructor(limit: number, parent?: BodyBudget) {
    this.limit = limit
    this.#parent = parent
  }

  /**
   * The share clients without a valid key may hold: half of the whole. Anonymous uploads to a `noauth` upstream
   * can then fill only their half, and keyed clients always find the other half free.
   */
  get anonymous(): BodyBudget {
    this.#anonymous ??= new BodyBudget(Math.floor(this.limit / 2), this)
    return this.#anonymous
  }

  /** Bytes reserved right now (a share's bytes count in the whole too). */
  get used(): number {
    return this.#used
  }

  /** Reserves `bytes` if they fit under the limit (and under the whole's, for a share). */
  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false
    if (this.#parent !== undefined && !this.#parent.tryReserve(bytes)) return false
    this.#used += bytes
    return true
  }

  release(bytes: number): void {
    this.#used -= bytes
    this.#parent?.release(bytes)
  }
}
