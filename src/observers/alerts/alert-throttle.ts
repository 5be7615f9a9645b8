// The maximum message rate: at most `maxMessages` per window across every incident. A notice over the rate
// waits; a later notice about the same incident merges into the waiting one, so nothing is lost, only combined.
import type { Clock } from '../../time/clock.js'
import type { Notice } from './incident-tracker.js'

export interface AlertThrottleOptions {
  readonly maxMessages: number
  readonly windowMs: number
  readonly clock: Clock
  readonly deliver: (notice: Notice) => void
  /** Notices merged into another because of the rate. */
  readonly merged: (count: number) => void
}

export class AlertThrottle {
  readonly #options: AlertThrottleOptions
  /** Monotonic send times within the window, oldest first. */
  readonly #sentAt: number[] = []
  /** Waiting notices per incident, in arrival order; at most a recovery and a newer incident each. */
  readonly #waiting = new Map<string, Notice[]>()

  constructor(options: AlertThrottleOptions) {
    this.#options = options
  }

  offer(notice: Notice): void {
    const key = `${notice.kind}\u0000${notice.subject}`
    const waiting = this.#waiting.get(key)
    if (waiting === undefined) {
      if (this.#waiting.size === 0 && this.#take()) {
        this.#options.deliver(notice)
        return
      }
      // Behind older waiting notices: they go first.
      this.#waiting.set(key, [notice])
      this.tick()
      return
    }
    const last = waiting[waiting.length - 1] as Notice
    const merged = mergeNotices(last, notice)
    if (merged === undefined) {
      waiting.push(notice)
    } else {
      waiting[waiting.length - 1] = merged
      this.#options.merged(1)
    }
  }

  /** Sends waiting notices, oldest incident first, as far as the rate allows. */
  tick(): void {
    for (const [key, waiting] of this.#waiting) {
      while (waiting.length > 0 && this.#take()) this.#options.deliver(waiting.shift() as Notice)
      if (waiting.length > 0) return
      this.#waiting.delete(key)
    }
  }

  waiting(): number {
    let count = 0
    for (const waiting of this.#waiting.values()) count += waiting.length
    return count
  }

  #take(): boolean {
    const now = this.#options.clock.now()
    const sentAt = this.#sentAt
    while (sentAt.length > 0 && now - (sentAt[0] as number) >= this.#options.windowMs) sentAt.shift()
    if (sentAt.length >= this.#options.maxMessages) return false
    sentAt.push(now)
    return true
  }
}

/**
 * One notice standing for both, or undefined when both must be sent. A recovery absorbs the waiting
 * news of its own incident (it reports the incident's whole failure count); reminders add up.
 */
export function mergeNotices(earlier: Notice, later: Notice): Notice | undefined {
  if (later.incident !== earlier.incident) return undefined
  if (later.phase === 'recovered') return later
  if (later.phase === 'ongoing' && earlier.phase !== 'recovered')
    return { ...earlier, failures: earlier.failures + later.failures, detail: later.detail, at: later.at }
  return undefined
}
