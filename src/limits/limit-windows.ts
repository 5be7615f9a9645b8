// The figures every limit store shares: the sliding window's length and when a refused request may try again.

/** `rpm` and `tpm` count what was admitted in the last 60 seconds: an entry leaves the window 60 s after it was made. */
export const limitWindowMs = 60_000

/**
 * Until a window whose newest entry was made at `newestAt` is whole again: never below 0, and never above a window
 * (clocks read a millisecond apart would say `1m0.001s`).
 */
export function windowResetMs(newestAt: number, now: number): number {
  return Math.min(limitWindowMs, Math.max(0, newestAt + limitWindowMs - now))
}

export const refusalRetry = {
  /** A free concurrency slot cannot be foreseen: try again in a second. */
  concurrencyMs: 1_000,
  /** A request asking more tokens than `tpm` allows can never pass; it is told a whole window. */
  neverMs: limitWindowMs,
  /** A `total` budget never ends: a refusal says a day. */
  totalBudgetMs: 86_400_000,
  /** Until the budget's period ends (a day for `total`). */
  budget(endsAt: number | undefined, wallNow: number): number {
    return endsAt === undefined ? refusalRetry.totalBudgetMs : Math.max(0, endsAt - wallNow)
  },
} as const
