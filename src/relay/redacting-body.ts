// A non-2xx answer's body on its way to the client, with the upstream's secrets replaced. Held whole up to a bound,
// so the client gets a correct Content-Length; past it, relayed as it comes, holding back only the bytes that may be
// the start of a secret split across two reads. A body in a content coding is always held whole and decoded first.
import { GatewayError } from '../errors/gateway-error.js'
import { decodedContent } from './decoded-content.js'
import { HeldBody } from './held-body.js'
import type { SecretRedactor } from '../secrets/secret-redactor.js'

/** How the body the client gets differs from the upstream's, so the headers that describe it are replaced. */
export interface BodyChange {
  /** undefined: no longer known (the body is relayed as it comes). */
  readonly contentLength: number | undefined
  /** The upstream's content coding was undone. */
  readonly decoded?: boolean
  /** The body is the gateway's own, of this type. */
  readonly contentType?: string
}

/** What `whole()` gives: the bytes to send, and `change` unless they are the upstream's own, as it described them. */
export interface WholeBody {
  readonly bytes: Buffer
  readonly change: BodyChange | undefined
}

/** A body held whole for its Content-Length, at most. */
export const maxHeldBodyBytes = 64 * 1024

export class RedactingBody {
  readonly #redactor: SecretRedactor
  /** The upstream's Content-Encoding, when not identity. */
  readonly #coding: string | undefined
  readonly #held = new HeldBody(maxHeldBodyBytes)
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
    if (this.#tooLarge || this.#held.hold(chunk)) return true
    if (this.#coding !== undefined) {
      // Encoded bytes cannot be searched as they pass: past the bound the body is given up, never streamed.
      this.#tooLarge = true
      this.#held.take()
      return true
    }
    this.#streaming = true
    return false
  }

  /**
   * The whole body, decoded and redacted (it ended within the bound, or was encoded). An encoded body too large to
   * hold, corrupt or in an unknown coding cannot be searched: the client gets `status` and the gateway's own error.
   */
  whole(status: number): WholeBody {
    const held = this.#held.take()
    // No bytes (a HEAD answer, a 304): nothing to decode, and the headers still describe the body the client did not get.
    if (held.length === 0 && !this.#tooLarge) return { bytes: held, change: undefined }
    const body = this.#tooLarge ? undefined : decodedContent(held, this.#coding)
    if (body === undefined) {
      const error = new GatewayError(
        'upstream_status',
        `The upstream answered ${status} in a content coding the gateway could not decode`,
        { status },
      )
      const bytes = Buffer.from(error.toBody())
      return { bytes, change: { contentLength: bytes.length, contentType: 'application/json', decoded: true } }
    }
    const bytes = this.#redactor.redactBytes(body)
    const decoded = this.#coding !== undefined
    // A body that lost a secret or its coding is not what the upstream described; an unchanged one keeps its headers.
    return { bytes, change: bytes !== body || decoded ? { contentLength: bytes.length, decoded } : undefined }
  }

  /** Redacted bytes that can be sent now: the held ones first, then `chunk`, less what may begin a split secret. */
  next(chunk: Buffer | undefined): Buffer {
    const parts = [this.#held.take()]
    if (this.#carry !== undefined) parts.unshift(this.#carry)
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

/** The upstream's headers made to describe the body the client gets. */
export function withBodyChange(headers: readonly string[], change: BodyChange): string[] {
  const dropped = new Set(['content-length'])
  if (change.decoded === true) dropped.add('content-encoding')
  if (change.contentType !== undefined) dropped.add('content-type')
  const out: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!dropped.has(headers[i] as string)) out.push(headers[i] as string, headers[i + 1] as string)
  }
  if (change.contentType !== undefined) out.push('content-type', change.contentType)
  if (change.contentLength !== undefined) out.push('content-length', String(change.contentLength))
  return out
}
