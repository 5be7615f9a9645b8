// The databases records can go to, and how each stores the values the two disagree on (times, flags).

export type RecordDialect = 'sqlite' | 'postgres'

/**
 * SQLite has no date type: GORM (and so the predecessor) wrote `2006-01-02 15:04:05.999999999-07:00` text.
 * New rows use the same layout in UTC with milliseconds, which sorts as text and which SQLite's date functions read.
 */
export function sqliteTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '+00:00')
}

/** Reads both layouts above (any number of fraction digits, any offset, or `Z`); NaN when it is neither. */
export function parseSqliteTimestamp(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?/.exec(text)
  if (match === null) return Number.NaN
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match
  const ms = Number(`0.${fraction || '0'}`) * 1000
  const local = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) + Math.round(ms)
  if (zone === 'Z') return local
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return local - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}
