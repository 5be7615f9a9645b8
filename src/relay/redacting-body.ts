// A non-2xx answer's body on its way to the client, with the upstream's secrets replaced. Held whole up to a bound,
// so the client gets a correct Content-Length; past it, relayed as it comes, holding back only the bytes that may be
// the start of a secret split across two reads.
import { HeldBody } from './held-body.js'
import type { SecretRedactor } from './secret-redactor.js'

/** A body held whole for its Content-Length, at most. */
export const maxHeldBodyBytes = 64 * 1024

export class RedactingBody {
  readonly #redactor: SecretRedactor
  readonly #held = new HeldBody(maxHeldBodyBytes)
  #streaming = false
  #carry: Buffer | undefined

  constructor(redactor: SecretRedactor) {
    this.#redactor = redactor
  }

  /** True once the body went past the bound: from then on it is relayed with `next()` and `finish()`. */
  get streaming(): boolean {
    return this.#streaming
  }

  /** Holds a chunk; returns false when the body is now past the bound (the held bytes are then `next()`'s to send). */
  hold(chunk: Buffer): boolean {
    if (this.#held.hold(chunk)) return true
    this.#streaming = true
    return false
  }

  /** The whole body, redacted (it ended within the bound); `changed` when a secret was cut out of it. */
  whole(): { readonly bytes: Buffer; readonly changed: boolean } {
    const body = this.#held.take()
    const bytes = this.#redactor.redactBytes(body)
    return { bytes, changed: bytes !== body }
  }

  /** Redacted bytes that can be sent now: the held ones first, then `chunk`, less what may begin a split secret. */
  next(chunk: Buffer | undefined): Buffer {
    const parts = this.#carry === undefined ? [this.#held.take()] : [this.#carry, this.#held.take()]
    if (chunk !== undefined) parts.push(chunk)
    const redacted = this.#redactor.redactBytes(Buffer.concat(parts))
    const cut = Math.max(0, redacted.length - Math.max(0, this.#redactor.longestFormBytes - 1))
    this.#carry = cut < redacted.length ? redacted.subarray(cut) : undefined
    return redacted.subarray(0, cut)
  }

  /** The bytes held back, at the end of the body. */
  finish(): Buffer | undefined {
    const carry = this.#carry
    this.#carry = undefined
    return carry
  }
}
