// Collects a whole upstream body that must be read before it can be translated, up to a limit.

/** Larger than any chat completion or prediction; a body past it is not one. */
export const maxTranslatedBodyBytes = 32 * 1024 * 1024

export class BodyBuffer {
  readonly #chunks: Buffer[] = []
  readonly #limit: number
  #bytes = 0

  constructor(limit = maxTranslatedBodyBytes) {
    this.#limit = limit
  }

  /** False once the body has grown past the limit (the rest is dropped). */
  push(chunk: Buffer): boolean {
    if (this.#bytes + chunk.length > this.#limit) {
      this.#bytes = this.#limit + 1
      return false
    }
    this.#chunks.push(chunk)
    this.#bytes += chunk.length
    return true
  }

  get overflowed(): boolean {
    return this.#bytes > this.#limit
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8')
  }
}
