// A Clock whose time moves only when a test says so; between timers it lets promise callbacks run, for code
// that awaits (the record writer) rather than only reacting to timers.
import type { Clock, TimerHandle } from '../../src/time/clock.js'

interface Pending {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
}

export class SettlingClock implements Clock {
  #now = 0
  #seq = 0
  readonly #timers = new Map<number, Pending>()

  constructor(readonly wallStart = Date.UTC(2025, 0, 1)) {}

  now(): number {
    return this.#now
  }

  wallNow(): number {
    return this.wallStart + this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.#seq
    this.#timers.set(seq, { at: this.#now + Math.max(0, ms), seq, fn })
    return { seq } as TimerHandle
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { seq: number }).seq)
  }

  /** Timers waiting now. */
  get pending(): number {
    return this.#timers.size
  }

  /** Moves time forward, firing due timers in order and letting the promise callbacks they start run in between. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    while (true) {
      await settle()
      const next = [...this.#timers.values()].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (next === undefined) break
      this.#timers.delete(next.seq)
      this.#now = next.at
      next.fn()
    }
    this.#now = target
    await settle()
  }
}

/** Lets every queued promise callback (and what those queue in turn) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
