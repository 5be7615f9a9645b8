// SQLite timestamps: written in GORM's layout (UTC), and both that and the predecessor's own rows read back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSqliteTimestamp, sqliteTimestamp } from './record-dialect.js'

test('written as GORM wrote them, in UTC, and read back exactly', () => {
  const ms = Date.UTC(2025, 11, 31, 23, 59, 58, 7)
  assert.equal(sqliteTimestamp(ms), '2025-12-31 23:59:58.007+00:00')
  assert.equal(parseSqliteTimestamp(sqliteTimestamp(ms)), ms)
})

test('every millisecond of a second, fractions, and the seconds around it, written as a Date would have it', () => {
  const viaDate = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00:00')
  const start = Date.UTC(2026, 0, 31, 23, 59, 59, 0)
  const times = [start - 1, start - 0.5, start, start + 0.25, start + 999.9, start + 1000, start + 59_000, start - 1]
  for (let ms = start; ms < start + 1000; ms += 7) times.push(ms, ms + 0.5)
  // Years written otherwise (before 0, past 9999), the epoch, and times before it.
  times.push(Date.UTC(-1, 0, 1, 0, 0, 0, 5), Date.UTC(-1, 0, 1, 0, 0, 0, 6), Date.UTC(10_000, 0, 1), Date.UTC(10_000, 0, 1, 0, 0, 0, 1))
  times.push(0, 12.5, -1, -1000.5, -999)
  for (const ms of times) assert.equal(sqliteTimestamp(ms), viaDate(ms), `at ${ms}`)
  assert.throws(() => sqliteTimestamp(Number.NaN), RangeError)
})

test("the predecessor's rows: nanoseconds and local offsets", () => {
  assert.equal(parseSqliteTimestamp('2024-05-01 10:00:00.123456789+08:00'), Date.UTC(2024, 4, 1, 2, 0, 0, 123))
  assert.equal(parseSqliteTimestamp('2024-05-01 10:00:00-05:30'), Date.UTC(2024, 4, 1, 15, 30))
  assert.equal(parseSqliteTimestamp('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10))
  assert.ok(Number.isNaN(parseSqliteTimestamp('yesterday')))
})
