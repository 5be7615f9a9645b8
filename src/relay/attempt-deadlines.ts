// Per-attempt deadlines: first byte, then the idle gap between chunks, and an optional total.
// One timer at a time; chunks only stamp the time, and the timer re-arms itself for what is left,
// so a busy stream costs no timer work per chunk.
import type { Clock, TimerHandle } from '../time/clock.js'
import { GatewayError } from '../errors/gateway-error.js'

/** Each value 0 = no limit. */
export interface DeadlineSettings {
  readonly firstByteMs: number
  readonly idleMs: number
  readonly totalMs: number
}

export class AttemptDeadlines {
  readonly #clock: Clock
  readonly #settings: DeadlineSettings
  readonly #onExpire: (error: GatewayError) => void
  readonly #upstreamName: string
  #timer: TimerHandle | undefined
  #startedAt = 0
  #lastActivity = 0
  #sawFirstByte = false
  /** While the client is slow and the upstream is paused, the idle gap is not the upstream's fault. */
  #paused = false
  #stopped = false

  constructor(clock: Clock, settings: DeadlineSettings, upstreamName: string, onExpire: (error: GatewayError) => void) {
    this.#clock = clock
    this.#settings = settings
    this.#upstreamName = upstreamName
    this.#onExpire = onExpire
  }

  start(): void {
    this.#startedAt = this.#clock.now()
    this.#lastActivity = this.#startedAt
    this.#arm(this.#nextCheckIn())
  }

  /** Body bytes arrived. */
  touch(): void {
    this.#lastActivity = this.#clock.now()
    if (!this.#sawFirstByte) {
      this.#sawFirstByte = true
      // The first-byte deadline is over; the idle one may be shorter or longer, so re-arm.
      this.#rearm()
    }
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    this.#lastActivity = this.#clock.now()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #rearm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#arm(this.#nextCheckIn())
  }

  #arm(ms: number): void {
    if (ms === Infinity) return
    this.#timer = this.#clock.setTimeout(() => this.#check(), Math.max(1, Math.ceil(ms)))
  }

  /** Time left until the nearest deadline; <= 0 means one has passed. */
  #nextCheckIn(): number {
    const now = this.#clock.now()
    const phaseLimit = (this.#sawFirstByte ? this.#settings.idleMs : this.#settings.firstByteMs) || Infinity
    let left = this.#paused ? phaseLimit : this.#lastActivity + phaseLimit - now
    if (this.#settings.totalMs > 0) left = Math.min(left, this.#startedAt + this.#settings.totalMs - now)
    return left
  }

  #check(): void {
    this.#timer = undefined
    if (this.#stopped) return
    const now = this.#clock.now()
    if (this.#settings.totalMs > 0 && now - this.#startedAt >= this.#settings.totalMs) {
      this.#expire(
        new GatewayError(
          'upstream_timeout',
          `upstream ${this.#upstreamName} exceeded the total deadline of ${this.#settings.totalMs / 1000}s`,
        ),
      )
      return
    }
    const left = this.#nextCheckIn()
    if (left > 0) {
      this.#arm(left)
      return
    }
    if (this.#sawFirstByte) {
      this.#expire(
        new GatewayError('upstream_idle_timeout', `upstream ${this.#upstreamName} sent nothing for ${this.#settings.idleMs / 1000}s`),
      )
    } else {
      this.#expire(
        new GatewayError('upstream_timeout', `upstream ${this.#upstreamName} did not answer within ${this.#settings.firstByteMs / 1000}s`),
      )
    }
  }

  #expire(error: GatewayError): void {
    this.#stopped = true
    this.#onExpire(error)
  }
}
