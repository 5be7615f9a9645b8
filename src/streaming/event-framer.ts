// Cuts a stream of SSE bytes into runs of whole events, in time linear in the bytes however large one event is,
// and refuses an event larger than the bound (max_event_size).
import { lastEventBoundary, nextEventEnd } from './event-boundary.js'

const empty = Buffer.alloc(0)

export class EventFramer {
  readonly #maxEventBytes: number
  /** The bytes of the event not complete yet, as received (never copied until it completes). */
  #pending: Buffer[] = []
  #pendingBytes = 0

  constructor(maxEventBytes = Number.POSITIVE_INFINITY) {
    this.#maxEventBytes = maxEventBytes
  }

  /**
   * The whole events `chunk` completes (empty when none), or undefined when an event is larger than the bound.
   * Only the new chunk is searched for an event end (and the three bytes before it, for an end split across
   * reads): scanning the whole unfinished event again on every read made a 20 MB event cost seconds.
   */
  push(chunk: Buffer): Buffer | undefined {
    if (this.#pendingBytes === 0) {
      const boundary = lastEventBoundary(chunk)
      if (boundary < chunk.length) this.#keep(chunk.subarray(boundary))
      if (this.#pendingBytes > this.#maxEventBytes) return undefined
      return this.#checked(boundary === chunk.length ? chunk : chunk.subarray(0, boundary))
    }
    const boundary = this.#boundaryAcross(chunk)
    if (boundary === 0) {
      this.#keep(chunk)
      return this.#pendingBytes > this.#maxEventBytes ? undefined : empty
    }
    const inChunk = boundary - this.#pendingBytes
    const whole = Buffer.concat([...this.#pending, chunk.subarray(0, inChunk)], boundary)
    this.#pending = []
    this.#pendingBytes = 0
    if (inChunk < chunk.length) this.#keep(chunk.subarray(inChunk))
    if (this.#pendingBytes > this.#maxEventBytes) return undefined
    return this.#checked(whole)
  }

  /** The bytes of an event that never completed (the stream ended without its blank line), once. */
  takeRest(): Buffer | undefined {
    if (this.#pendingBytes === 0) return undefined
    const rest = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes)
    this.#pending = []
    this.#pendingBytes = 0
    return rest
  }

  #keep(bytes: Buffer): void {
    this.#pending.push(bytes)
    this.#pendingBytes += bytes.length
  }

  /** Whole events, unless one of them is over the bound; only a run longer than the bound can hold such an event. */
  #checked(events: Buffer): Buffer | undefined {
    if (events.length <= this.#maxEventBytes) return events
    for (let start = 0; start < events.length;) {
      const end = nextEventEnd(events, start)
      if (end === -1 || end - start > this.#maxEventBytes) return end === -1 ? events : undefined
      start = end
    }
    return events
  }

  /**
   * lastEventBoundary(pending + chunk) without building that buffer: the pending bytes hold no event end, so the
   * last one is in the chunk, or in its first three bytes read together with the pending bytes just before them.
   */
  #boundaryAcross(chunk: Buffer): number {
    const inChunk = lastEventBoundary(chunk)
    if (inChunk >= 3) return this.#pendingBytes + inChunk
    const before = this.#lastPendingBytes(3)
    const probe = Buffer.concat([before, chunk.subarray(0, 3)])
    const inProbe = lastEventBoundary(probe)
    const across = inProbe > before.length ? this.#pendingBytes - before.length + inProbe : 0
    return Math.max(across, inChunk === 0 ? 0 : this.#pendingBytes + inChunk)
  }

  #lastPendingBytes(count: number): Buffer {
    const parts: Buffer[] = []
    let needed = Math.min(count, this.#pendingBytes)
    for (let i = this.#pending.length - 1; i >= 0 && needed > 0; i--) {
      const part = this.#pending[i] as Buffer
      const take = Math.min(needed, part.length)
      parts.unshift(part.subarray(part.length - take))
      needed -= take
    }
    return Buffer.concat(parts)
  }
}
