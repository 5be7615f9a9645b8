// A Clock whose time moves only when a test says so: timers that fall due run in order as it moves, so
// tests drive deadlines instead of sleeping through them or racing real timers.
import type { Clock, TimerHandle } from './clock.js'

export interface ManualClockOptions {
  /** Wall-clock milliseconds at monotonic time 0 (default 2024-05-01T10:00:00Z). */
  readonly wallStart?: number
  /**
   * Each timer runs by itself on a later turn of the event loop, time jumping ahead to it: waits take no real
   * time, and their lengths stay visible in `delays`. Default false: time moves only by `advance`.
   */
  readonly stepping?: boolean
}

interface PendingTimer {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
}

export class ManualClock implements Clock {
  #now = 0
  #seq = 0
  readonly #timers = new Map<TimerHandle, PendingTimer>()
  readonly #wallStart: number
  readonly #stepping: boolean
  /** Every delay passed to setTimeout, in order (cleared timers included). */
  readonly delays: number[] = []

  constructor(options: ManualClockOptions = {}) {
    this.#wallStart = options.wallStart ?? Date.UTC(2024, 4, 1, 10, 0, 0)
    this.#stepping = options.stepping ?? false
  }

  now(): number {
    return this.#now
  }

  wallNow(): number {
    return this.#wallStart + this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms)
    const handle: TimerHandle = { unref: () => handle }
    const timer: PendingTimer = { at: this.#now + Math.max(0, ms), seq: ++this.#seq, fn }
    this.#timers.set(handle, timer)
    if (this.#stepping) {
      setImmediate(() => {
        if (this.#timers.get(handle) === timer) this.#runUntil(Math.max(this.#now, timer.at))
      })
    }
    return handle
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle)
  }

  /** Timers set and neither run nor cleared yet. */
  get pending(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, running each timer that falls due at its own time, in order (timers they set included). */
  advance(ms: number): void {
    this.#runUntil(this.#now + ms)
  }

  /**
   * Like `advance`, but lets queued promise callbacks run before each timer and at the end: for code that
   * awaits between timers (a writer that retries after a failed flush) rather than only reacting to them.
   */
  async advanceSettling(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      await settle()
      const next = this.#next(target)
      if (next === undefined) break
      this.#run(next)
    }
    this.#now = target
    await settle()
  }

  #runUntil(target: number): void {
    for (let next = this.#next(target); next !== undefined; next = this.#next(target)) this.#run(next)
    this.#now = target
  }

  #next(target: number): [TimerHandle, PendingTimer] | undefined {
    let next: [TimerHandle, PendingTimer] | undefined
    for (const entry of this.#timers) {
      const timer = entry[1]
      if (timer.at > target) continue
      if (next === undefined || timer.at < next[1].at || (timer.at === next[1].at && timer.seq < next[1].seq)) next = entry
    }
    return next
  }

  #run([handle, timer]: [TimerHandle, PendingTimer]): void {
    this.#timers.delete(handle)
    this.#now = timer.at
    timer.fn()
  }
}

/** Lets every queued promise callback (and what those queue in turn, a few levels deep) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
