import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isNewerRecord, LatestHealthRecords } from './latest-health-records.js'
import { parseHealthRecord } from './parse-health-record.js'
import type { UpstreamHealthRecord } from './upstream-health-record.js'

function record(changedAt: number, origin: string, upstream = 'u'): UpstreamHealthRecord {
  return { upstream, state: 'open', openUntil: changedAt + 1_000, cooldownMs: 1_000, rateLimited: false, changedAt, origin }
}

test('a later change wins; the same millisecond is settled by origin, the same way everywhere; a record is not newer than itself', () => {
  assert.equal(isNewerRecord(record(2, 'a'), record(1, 'z')), true)
  assert.equal(isNewerRecord(record(1, 'z'), record(2, 'a')), false)
  assert.equal(isNewerRecord(record(1, 'b'), record(1, 'a')), true)
  assert.equal(isNewerRecord(record(1, 'a'), record(1, 'b')), false)
  assert.equal(isNewerRecord(record(1, 'a'), record(1, 'a')), false)
  assert.equal(isNewerRecord(record(1, 'a'), undefined), true)
})

test('the latest record per upstream is kept, and offer() says whether it was news', () => {
  const latest = new LatestHealthRecords()
  assert.equal(latest.offer(record(5, 'a')), true)
  assert.equal(latest.offer(record(5, 'a')), false)
  assert.equal(latest.offer(record(4, 'b')), false)
  assert.equal(latest.offer(record(1, 'a', 'other')), true)
  assert.equal(latest.offer(record(6, 'b')), true)
  assert.deepEqual(latest.all(), [record(6, 'b'), record(1, 'a', 'other')])
  assert.deepEqual(latest.get('u'), record(6, 'b'))
})

test('a record from elsewhere is read whole or not at all', () => {
  assert.deepEqual(parseHealthRecord(JSON.stringify(record(1, 'a'))), record(1, 'a'))
  assert.deepEqual(parseHealthRecord(JSON.stringify({ ...record(1, 'a'), extra: true })), record(1, 'a'))
  for (const bad of [
    'not json',
    'null',
    '[]',
    JSON.stringify({ ...record(1, 'a'), state: 'broken' }),
    JSON.stringify({ ...record(1, 'a'), changedAt: '1' }),
    JSON.stringify({ ...record(1, 'a'), openUntil: -1 }),
    JSON.stringify({ ...record(1, 'a'), origin: undefined }),
    JSON.stringify({ ...record(1, 'a'), rateLimited: 'no' }),
  ])
    assert.equal(parseHealthRecord(bad), undefined, bad)
})
