// The calendar period a budget counts in: a UTC day, a week starting on Monday, a month, or `total` (never ends).
// Its id names the spend it holds, in every store, so all the gateways sharing one count the same period.
import type { BudgetPeriod } from '../config/gateway-config.js'

export interface BudgetPeriodBounds {
  /** Names the period: `day:2026-12-07`, `week:2026-12-07` (its Monday), `month:2026-12`, or `total`. */
  readonly id: string
  /** ms since the epoch; 0 for `total`. */
  readonly startsAt: number
  /** ms since the epoch, the first instant of the next period; undefined for `total`. */
  readonly endsAt: number | undefined
}

const dayMs = 86_400_000

/** The period of kind `period` that holds the instant `nowMs` (ms since the epoch, UTC). */
export function budgetPeriodBounds(period: BudgetPeriod, nowMs: number): BudgetPeriodBounds {
  const now = new Date(nowMs)
  const year = now.getUTCFullYear()
  const month = now.getUTCMonth()
  const dayStart = Date.UTC(year, month, now.getUTCDate())
  switch (period) {
    case 'day':
      return { id: `day:${isoDate(dayStart)}`, startsAt: dayStart, endsAt: dayStart + dayMs }
    case 'week': {
      // getUTCDay: Sunday 0 … Saturday 6; the week starts on the Monday at or before today.
      const monday = dayStart - ((now.getUTCDay() + 6) % 7) * dayMs
      return { id: `week:${isoDate(monday)}`, startsAt: monday, endsAt: monday + 7 * dayMs }
    }
    case 'month': {
      const startsAt = Date.UTC(year, month, 1)
      return { id: `month:${isoDate(startsAt).slice(0, 7)}`, startsAt, endsAt: Date.UTC(year, month + 1, 1) }
    }
    case 'total':
      return { id: 'total', startsAt: 0, endsAt: undefined }
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}
