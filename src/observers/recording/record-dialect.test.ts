// SQLite timestamps: written in GORM's layout (UTC), and both that and the predecessor's own rows read back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSqliteTimestamp, sqliteTimestamp } from './record-dialect.js'

test('written as GORM wrote them, in UTC, and read back exactly', () => {
  const ms = Date.UTC(2025, 11, 31, 23, 59, 58, 7)
  assert.equal(sqliteTimestamp(ms), '2025-12-31 23:59:58.007+00:00')
  assert.equal(parseSqliteTimestamp(sqliteTimestamp(ms)), ms)
})

test("the predecessor's rows: nanoseconds and local offsets", () => {
  assert.equal(parseSqliteTimestamp('2024-05-01 10:00:00.123456789+08:00'), Date.UTC(2024, 4, 1, 2, 0, 0, 123))
  assert.equal(parseSqliteTimestamp('2024-05-01 10:00:00-05:30'), Date.UTC(2024, 4, 1, 15, 30))
  assert.equal(parseSqliteTimestamp('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10))
  assert.ok(Number.isNaN(parseSqliteTimestamp('yesterday')))
})
