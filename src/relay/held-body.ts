// A response body kept back from the client up to a bound: while it is held the attempt has not committed, so a
// body that ends short can still fail over, and a body held to its end can be rewritten (its secrets cut) whole.
export class HeldBody {
  readonly #maxBytes: number
  #chunks: Buffer[] = []
  #bytes = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Keeps a chunk; false when the held bytes are now past the bound (the caller then commits and `take()`s them). */
  hold(chunk: Buffer): boolean {
    this.#chunks.push(chunk)
    this.#bytes += chunk.length
    return this.#bytes <= this.#maxBytes
  }

  /** Everything held, in one buffer; nothing is held afterwards. */
  take(): Buffer {
    const whole = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#bytes)
    this.#chunks = []
    this.#bytes = 0
    return whole
  }
}
