// Injected time: the relay's deadlines read this clock, so tests can drive time instead of sleeping.

export interface TimerHandle {
  unref?(): unknown
}

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number
  /** Wall-clock milliseconds since the epoch, for timestamps in records. */
  wallNow(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as NodeJS.Timeout),
})
