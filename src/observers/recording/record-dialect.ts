// The databases records can go to, and how each stores the values the two disagree on (times, flags).

export type RecordDialect = 'sqlite' | 'postgres'

/**
 * SQLite has no date type: GORM (and so the predecessor) wrote `2006-01-02 15:04:05.999999999-07:00` text.
 * New rows use the same layout in UTC with milliseconds, which sorts as text and which SQLite's date functions read.
 */
export function sqliteTimestamp(epochMs: number): string {
  // Rows come in time order, so nearly every call falls in the second of the one before: its text up to the
  // seconds is kept, and only the milliseconds are written (a tenth of a microsecond against ~0.7 for a Date).
  const ms = Math.trunc(epochMs)
  const second = Math.floor(ms / 1000)
  if (second === cachedSecond) return `${cachedPrefix}${millisecondDigits(ms - second * 1000)}+00:00`
  const text = new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '+00:00')
  // `YYYY-MM-DD hh:mm:ss.mmm+00:00`: years past 9999 (and before 0) are written otherwise, and are not cached.
  if (text.length === 29) {
    cachedSecond = second
    cachedPrefix = text.slice(0, 20)
  }
  return text
}

/** The second (since the epoch) whose text up to the decimal point is `cachedPrefix`. */
let cachedSecond = Number.NaN
let cachedPrefix = ''

function millisecondDigits(ms: number): string {
  return ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : String(ms)
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
