// A Clock whose time jumps ahead to each timer as it is set: waits take no real time, and their length is visible.
import type { Clock, TimerHandle } from '../../src/time/clock.js'

interface SteppingTimer extends TimerHandle {
  cancelled: boolean
}

export class SteppingClock implements Clock {
  #now = 0
  /** Every delay passed to setTimeout, in order. */
  readonly delays: number[] = []

  now(): number {
    return this.#now
  }

  wallNow(): number {
    return 1_700_000_000_000 + this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms)
    const handle: SteppingTimer = { cancelled: false }
    setImmediate(() => {
      if (handle.cancelled) return
      this.#now += ms
      fn()
    })
    return handle
  }

  clearTimeout(handle: TimerHandle): void {
    ;(handle as SteppingTimer).cancelled = true
  }
}
