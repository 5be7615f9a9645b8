// isOutageError and RecordOutage: which errors mean the database cannot take rows, and one line per outage edge.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../../log/logger.js'
import { isOutageError, RecordOutage } from './record-outage.js'

const coded = (code: string): Error => Object.assign(new Error(code), { code })

test('a database that cannot take rows at all is an outage; one bad row is not', () => {
  for (const code of [
    'SQLITE_FULL',
    'SQLITE_READONLY',
    'SQLITE_CANTOPEN',
    '08006',
    '28P01',
    '3D000',
    '53100',
    '57P01',
    'ECONNREFUSED',
    'ETIMEDOUT',
  ]) {
    assert.equal(isOutageError(coded(code)), true, code)
  }
  for (const code of [
    'SQLITE_CONSTRAINT_UNIQUE',
    'SQLITE_MISMATCH',
    'SQLITE_TOOBIG',
    'SQLITE_ERROR',
    '22001',
    '23505',
    'ERR_INVALID_ARG_TYPE',
  ]) {
    assert.equal(isOutageError(coded(code)), false, code)
  }
  assert.equal(isOutageError(new Error('no code')), false)
  assert.equal(isOutageError(null), false)
})

test('an outage is logged once when it starts and once, with its counts, when it ends', () => {
  const lines: Array<{ level: string; msg: string; outageMs?: number; spilled?: number; dropped?: number }> = []
  const logger = createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as (typeof lines)[number]) })
  const outage = new RecordOutage(logger, true)
  assert.equal(outage.active, false)
  outage.spilled(5) // not counted: no outage
  outage.start(1_000, coded('SQLITE_FULL'), { queued: 3, dropped: 2, failedBatches: 1 })
  outage.start(1_500, coded('SQLITE_FULL'), { queued: 9, dropped: 2, failedBatches: 2 })
  outage.spilled(7)
  assert.equal(outage.active, true)
  outage.end(4_000, { queued: 0, dropped: 6, failedBatches: 4 })
  outage.end(5_000, { queued: 0, dropped: 6, failedBatches: 4 })
  assert.equal(outage.active, false)
  assert.deepEqual(
    lines.map((line) => [line.level, line.msg]),
    [
      ['error', 'the records database cannot take rows: retrying; rows past the queue go to the spill file'],
      ['info', 'the records database takes rows again'],
    ],
  )
  assert.equal(lines[1]?.outageMs, 3_000)
  assert.equal(lines[1]?.spilled, 7)
  assert.equal(lines[1]?.dropped, 4)
})
