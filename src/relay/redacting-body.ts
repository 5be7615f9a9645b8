// A non-2xx answer's body on its way to the client, with the upstream's secrets replaced. Held whole up to a bound,
// so the client gets a correct Content-Length; past it, relayed as it comes, holding back only the bytes that may be
// the start of a secret split across two reads. A body in a content coding is always held whole and decoded first.
import { decodedContent } from './decoded-content.js'
import type { SecretRedactor } from './secret-redactor.js'

/** What `whole()` gives: the body to send, or `unreadable` for an encoded body that could not be decoded. */
export type WholeBody =
  /** `changed`: a secret was cut; `decoded`: the upstream's content coding was undone (its header must go). */
  | { readonly kind: 'body'; readonly bytes: Buffer; readonly changed: boolean; readonly decoded: boolean }
  /** An encoded body too large to hold, corrupt or in an unknown coding: none of it may be relayed unsearched. */
  | { readonly kind: 'unreadable' }

/** A body held whole for its Content-Length, at most. */
export const maxHeldBodyBytes = 64 * 1024

export class RedactingBody {
  readonly #redactor: SecretRedactor
  /** The upstream's Content-Encoding, when not identity. */
  readonly #coding: string | undefined
  #held: Buffer[] = []
  #heldBytes = 0
  #streaming = false
  #tooLarge = false
  #carry: Buffer | undefined

  constructor(redactor: SecretRedactor, contentEncoding?: string) {
    this.#redactor = redactor
    this.#coding = contentEncoding === undefined || contentEncoding.trim().toLowerCase() === 'identity' ? undefined : contentEncoding
  }

  /** True once the body went past the bound: from then on it is relayed with `next()` and `finish()`. */
  get streaming(): boolean {
    return this.#streaming
  }

  /** Holds a chunk; returns false when the body is now past the bound (the held bytes are then `next()`'s to send). */
  hold(chunk: Buffer): boolean {
    if (this.#tooLarge) return true
    this.#held.push(chunk)
    this.#heldBytes += chunk.length
    if (this.#heldBytes <= maxHeldBodyBytes) return true
    if (this.#coding !== undefined) {
      // Encoded bytes cannot be searched as they pass: past the bound the body is given up, never streamed.
      this.#tooLarge = true
      this.#held = []
      this.#heldBytes = 0
      return true
    }
    this.#streaming = true
    return false
  }

  /** The whole body, decoded and redacted (it ended within the bound, or was encoded). */
  whole(): WholeBody {
    const held = Buffer.concat(this.#held, this.#heldBytes)
    this.#held = []
    this.#heldBytes = 0
    // No bytes (a HEAD answer, a 304): nothing to decode, and the headers still describe the body the client did not get.
    if (held.length === 0 && !this.#tooLarge) return { kind: 'body', bytes: held, changed: false, decoded: false }
    const body = this.#tooLarge ? undefined : decodedContent(held, this.#coding)
    if (body === undefined) return { kind: 'unreadable' }
    const bytes = this.#redactor.redactBytes(body)
    return { kind: 'body', bytes, changed: bytes !== body, decoded: this.#coding !== undefined }
  }

  /** Redacted bytes that can be sent now: the held ones first, then `chunk`, less what may begin a split secret. */
  next(chunk: Buffer | undefined): Buffer {
    const parts = this.#carry === undefined ? [...this.#held] : [this.#carry, ...this.#held]
    if (chunk !== undefined) parts.push(chunk)
    this.#held = []
    this.#heldBytes = 0
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
