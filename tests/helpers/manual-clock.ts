// A Clock whose time moves only when a test says so; timers that fall due run in order as it moves.
import type { Clock, TimerHandle } from '../../src/time/clock.js'

interface PendingTimer {
  readonly at: number
  readonly fn: () => void
  readonly handle: TimerHandle
}

export class ManualClock implements Clock {
  #now = 0
  #timers: PendingTimer[] = []
  readonly #wallStart: number

  constructor(wallStart = Date.UTC(2024, 4, 1, 10, 0, 0)) {
    this.#wallStart = wallStart
  }

  now(): number {
    return this.#now
  }

  wallNow(): number {
    return this.#wallStart + this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { unref: () => handle }
    this.#timers.push({ at: this.#now + ms, fn, handle })
    return handle
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.handle !== handle)
  }

  get pendingTimers(): number {
    return this.#timers.length
  }

  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      let next: PendingTimer | undefined
      for (const timer of this.#timers) if (timer.at <= target && (next === undefined || timer.at < next.at)) next = timer
      if (next === undefined) break
      this.#timers.splice(this.#timers.indexOf(next), 1)
      this.#now = next.at
      next.fn()
    }
    this.#now = target
  }
}
