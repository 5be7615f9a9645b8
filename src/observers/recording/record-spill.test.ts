// RecordSpill: rows kept as JSON lines, bounded, replayed oldest first, removed only once committed.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createLogger } from '../../log/logger.js'
import type { RecordRow } from './record-row.js'
import { RecordSpill } from './record-spill.js'

const row = (requestId: string): RecordRow => ({ recordUid: `uid-${requestId}`, requestId, requestBody: 'x'.repeat(100) }) as RecordRow
const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `r${from + i}`)

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'record-spill-'))
  try {
    await run(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function spillIn(dir: string, options: { maxBytes?: number; pid?: number; segmentBytes?: number } = {}): RecordSpill {
  let n = 0
  return new RecordSpill({
    dir,
    maxBytes: options.maxBytes ?? 1024 * 1024,
    logger: createLogger({ level: 'silent', write: () => {} }),
    newSegmentId: () => `0000000${n++}-0000`,
    ...(options.pid === undefined ? {} : { pid: options.pid }),
    ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
  })
}

async function replayAll(spill: RecordSpill, batchSize = 3): Promise<string[]> {
  const stored: string[] = []
  while ((await spill.replayBatch(batchSize, async (rows) => void stored.push(...rows.map((r) => r.requestId)))) > 0);
  return stored
}

test('spilled rows come back whole and in order, and the files are gone after', () =>
  withDir(async (dir) => {
    const spill = spillIn(dir, { segmentBytes: 500 })
    assert.deepEqual(await spill.append(ids(0, 5).map(row)), { kept: 5, dropped: 0 })
    assert.deepEqual(await spill.append(ids(5, 5).map(row)), { kept: 5, dropped: 0 })
    assert.deepEqual(await replayAll(spill), ids(0, 10))
    await spill.close()
    assert.deepEqual(await readdir(dir), [])
  }))

test('rows past the byte bound are refused, and room comes back once rows are replayed', () =>
  withDir(async (dir) => {
    const spill = spillIn(dir, { maxBytes: 1000 })
    const first = await spill.append(ids(0, 10).map(row))
    assert.ok(first.kept > 0 && first.kept < 10)
    assert.equal(first.kept + first.dropped, 10)
    assert.equal((await replayAll(spill)).length, first.kept)
    assert.equal((await spill.append(ids(10, 1).map(row))).kept, 1)
  }))

test('a failed insert leaves the rows spilled; the next replay tries them again', () =>
  withDir(async (dir) => {
    const spill = spillIn(dir)
    await spill.append(ids(0, 4).map(row))
    await assert.rejects(spill.replayBatch(10, async () => Promise.reject(new Error('down'))))
    assert.equal((await readdir(dir)).length, 1)
    assert.deepEqual(await replayAll(spill), ids(0, 4))
  }))

test('the next process replays what an earlier one left (closed, open or half replayed), skipping a cut last line', () =>
  withDir(async (dir) => {
    const earlier = spillIn(dir, { pid: 999_999_999 })
    await earlier.append(ids(0, 3).map(row))
    await earlier.close()
    const crashed = spillIn(dir, { pid: 999_999_998 })
    await crashed.append(ids(3, 2).map(row))
    // No close: the process died with its segment open; and a line was cut in the middle.
    const open = (await readdir(dir)).find((name) => name.endsWith('.open')) as string
    await writeFile(join(dir, open), `${JSON.stringify(row('r3'))}\n${JSON.stringify(row('r4'))}\n{"recordUid":"cut`)
    await writeFile(join(dir, 'records-replay-00000000-0001-999999997.jsonl'), `${JSON.stringify(row('r5'))}\n`)
    const next = spillIn(dir)
    assert.deepEqual((await replayAll(next)).sort(), ids(0, 6).sort())
    assert.deepEqual(await readdir(dir), [])
  }))

test('a segment another live process is appending to is left alone', () =>
  withDir(async (dir) => {
    const other = spillIn(dir, { pid: process.ppid })
    await other.append(ids(0, 2).map(row))
    assert.deepEqual(await replayAll(spillIn(dir)), [])
    await other.close()
    assert.deepEqual(await replayAll(spillIn(dir)), ids(0, 2))
  }))
