// RecordWriter: batching, the bounded queue, retry through outages, bad rows, and the shutdown flush.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock, settle } from '../../time/manual-clock.js'
import { createLogger } from '../../log/logger.js'
import type { RecordRow } from './record-row.js'
import { RecordWriter, type RecordOverflow, type RecordSink, type RecordWriterOptions } from './record-writer.js'

class FakeSink implements RecordSink {
  up = true
  prepared = false
  prepareFailures = 0
  readonly batches: string[][] = []
  /** Request ids the database refuses whenever they are in a batch. */
  readonly refused = new Set<string>()

  async prepare(): Promise<void> {
    if (!this.up) throw new Error('connect ECONNREFUSED')
    this.prepared = true
  }

  async insert(rows: readonly RecordRow[]): Promise<void> {
    if (!this.up) throw new Error('Connection terminated unexpectedly')
    if (rows.some((row) => this.refused.has(row.requestId))) throw new Error('invalid input syntax')
    this.batches.push(rows.map((row) => row.requestId))
  }

  async ping(): Promise<void> {
    if (!this.up) throw new Error('connect ECONNREFUSED')
  }

  get stored(): string[] {
    return this.batches.flat()
  }
}

const row = (requestId: string): RecordRow => ({ requestId }) as RecordRow
const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `r${from + i}`)

function setup(overrides: Partial<RecordWriterOptions> = {}) {
  const clock = new ManualClock()
  const sink = new FakeSink()
  const logs: string[] = []
  const writer = new RecordWriter({
    sink,
    clock,
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line), now: () => clock.wallNow() }),
    queueSize: 100,
    batchSize: 10,
    flushIntervalMs: 1000,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    ...overrides,
  })
  return { clock, sink, writer, logs }
}

test('full batches are written at once; a partial batch waits for the flush interval', async () => {
  const { clock, sink, writer } = setup()
  writer.start()
  for (const id of ids(0, 25)) writer.enqueue(row(id))
  await settle()
  assert.deepEqual(sink.batches, [ids(0, 10), ids(10, 10)])
  assert.equal(writer.counters().queued, 5)
  await clock.advanceSettling(999)
  assert.equal(sink.batches.length, 2)
  await clock.advanceSettling(1)
  assert.deepEqual(sink.batches[2], ids(20, 5))
  assert.deepEqual(writer.counters(), { queued: 0, written: 25, dropped: 0, failedBatches: 0, spilled: 0 })
})

test('during an outage rows wait in the bounded queue, the overflow is counted, and the rest is written on return', async () => {
  const { clock, sink, writer, logs } = setup({ queueSize: 30 })
  writer.start()
  await settle()
  sink.up = false
  for (const id of ids(0, 35)) writer.enqueue(row(id))
  await clock.advanceSettling(5000)
  assert.equal(sink.stored.length, 0)
  const during = writer.counters()
  assert.equal(during.queued, 30)
  assert.equal(during.dropped, 5)
  assert.ok(during.failedBatches >= 2)
  assert.equal(logs.filter((line) => line.includes('the record queue is full')).length, 1, 'one log line for a burst of drops')
  sink.up = true
  await clock.advanceSettling(1000)
  assert.deepEqual(sink.stored, ids(0, 30), 'in arrival order, nothing lost but the overflow')
  assert.equal(writer.counters().written, 30)
})

test('a database that is down at start is retried in the background; rows queued meanwhile are written', async () => {
  const { clock, sink, writer } = setup()
  sink.up = false
  writer.start()
  for (const id of ids(0, 3)) writer.enqueue(row(id))
  await clock.advanceSettling(10_000)
  assert.equal(sink.prepared, false)
  sink.up = true
  await clock.advanceSettling(1000)
  assert.equal(sink.prepared, true)
  await clock.advanceSettling(1000)
  assert.deepEqual(sink.stored, ids(0, 3))
})

test('a row the database keeps refusing is dropped and counted; the rows around it are stored', async () => {
  const { clock, sink, writer } = setup({ isolateAfterFailures: 3 })
  sink.refused.add('r4')
  writer.start()
  for (const id of ids(0, 10)) writer.enqueue(row(id))
  await clock.advanceSettling(5000)
  assert.deepEqual(
    sink.stored,
    ids(0, 10).filter((id) => id !== 'r4'),
  )
  assert.deepEqual(writer.counters(), { queued: 0, written: 9, dropped: 1, failedBatches: 3, spilled: 0 })
})

test('close writes everything queued without waiting for the flush interval', async () => {
  const { sink, writer } = setup()
  writer.start()
  for (const id of ids(0, 23)) writer.enqueue(row(id))
  await writer.close(5000)
  assert.deepEqual(sink.stored, ids(0, 23))
  writer.enqueue(row('late'))
  assert.deepEqual(writer.counters(), { queued: 0, written: 23, dropped: 1, failedBatches: 0, spilled: 0 })
})

test('close keeps retrying until its deadline, then counts what is left as dropped', async () => {
  const { clock, sink, writer, logs } = setup()
  writer.start()
  await settle()
  sink.up = false
  for (const id of ids(0, 4)) writer.enqueue(row(id))
  const closed = writer.close(3000)
  await clock.advanceSettling(2000)
  assert.equal(writer.counters().queued, 4)
  await clock.advanceSettling(1000)
  await closed
  assert.deepEqual(writer.counters(), { queued: 0, written: 0, dropped: 4, failedBatches: writer.counters().failedBatches, spilled: 0 })
  assert.ok(writer.counters().failedBatches >= 2)
  assert.ok(logs.some((line) => line.includes('not written within 3000 ms of shutdown')))
  assert.equal(clock.pending, 0, 'no timer is left to keep the process alive')
})

test('close during an outage that ends in time writes everything', async () => {
  const { clock, sink, writer } = setup()
  writer.start()
  await settle()
  sink.up = false
  for (const id of ids(0, 4)) writer.enqueue(row(id))
  const closed = writer.close(10_000)
  await clock.advanceSettling(500)
  sink.up = true
  await clock.advanceSettling(1000)
  await closed
  assert.deepEqual(sink.stored, ids(0, 4))
  assert.equal(writer.counters().dropped, 0)
})

test('the queue is bounded in bytes too: large rows are dropped once the byte budget is spent', async () => {
  const { clock, sink, writer } = setup({ queueSize: 1000, queueBytes: 10_000 })
  sink.up = false
  writer.start()
  const big = (id: string): RecordRow => ({ requestId: id, requestBody: 'x'.repeat(4000), response: '', headers: '' }) as RecordRow
  for (const id of ids(0, 5)) writer.enqueue(big(id))
  assert.equal(writer.counters().queued, 2)
  assert.equal(writer.counters().dropped, 3)
  writer.enqueue(row('small'))
  assert.equal(writer.counters().queued, 3, 'a small row still fits')
  sink.up = true
  const closed = writer.close(5000)
  await clock.advanceSettling(1000)
  await closed
  assert.deepEqual(sink.stored, ['r0', 'r1', 'small'])
})

/** A spill file in memory: what the writer hands over, and what it replays. */
class MemorySpill implements RecordOverflow {
  readonly rows: RecordRow[] = []
  maxRows = Number.POSITIVE_INFINITY
  closed = false
  async append(rows: readonly RecordRow[]): Promise<{ kept: number; dropped: number }> {
    const kept = Math.max(0, Math.min(rows.length, this.maxRows - this.rows.length))
    this.rows.push(...rows.slice(0, kept))
    return { kept, dropped: rows.length - kept }
  }
  async replayBatch(batchSize: number, insert: (rows: readonly RecordRow[]) => Promise<void>): Promise<number> {
    const batch = this.rows.slice(0, batchSize)
    if (batch.length === 0) return 0
    await insert(batch)
    this.rows.splice(0, batch.length)
    return batch.length
  }
  async close(): Promise<void> {
    this.closed = true
  }
}

const diskFull = (): Error => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })

test('a database that answers but cannot store (disk full) keeps its rows: retried in batches, logged once per outage', async () => {
  const { clock, sink, writer, logs } = setup({ isolateAfterFailures: 1 })
  let full = true
  const insert = sink.insert.bind(sink)
  sink.insert = async (rows) => {
    if (full) throw diskFull()
    await insert(rows)
  }
  writer.start()
  for (const id of ids(0, 50)) writer.enqueue(row(id))
  await clock.advanceSettling(10_000)
  assert.equal(sink.stored.length, 0)
  assert.equal(writer.counters().dropped, 0, 'no row is given up on one by one')
  assert.equal(writer.counters().queued, 50)
  assert.ok(writer.counters().failedBatches >= 3)
  assert.equal(logs.filter((line) => line.includes('cannot take rows')).length, 1, 'one line when the outage starts')
  assert.equal(logs.filter((line) => line.includes('refused a record')).length, 0)
  full = false
  await clock.advanceSettling(2000)
  assert.deepEqual(sink.stored, ids(0, 50))
  assert.equal(logs.filter((line) => line.includes('takes rows again')).length, 1, 'one line when it ends')
  assert.equal(writer.counters().written, 50)
})

test('during an outage, rows past the full queue go to the spill file and reach the database when it is back', async () => {
  const spill = new MemorySpill()
  const { clock, sink, writer } = setup({ queueSize: 20, spill })
  writer.start()
  await settle()
  sink.up = false
  // Requests arrive over time; the writer moves what the queue cannot hold to the file as they come.
  for (let i = 0; i < 50; i += 10) {
    for (const id of ids(i, 10)) writer.enqueue(row(id))
    await settle()
  }
  await clock.advanceSettling(5000)
  assert.equal(writer.counters().dropped, 0)
  assert.ok(spill.rows.length >= 30, 'what did not fit in the queue is on disk')
  assert.equal(spill.rows.length + writer.counters().queued, 50)
  sink.up = true
  await clock.advanceSettling(5000)
  assert.deepEqual([...sink.stored].sort(), ids(0, 50).sort(), 'every row once')
  assert.equal(spill.rows.length, 0)
  assert.equal(writer.counters().written, 50)
})

test('past the spill bound a row is dropped and counted', async () => {
  const spill = new MemorySpill()
  spill.maxRows = 5
  const { clock, sink, writer } = setup({ queueSize: 10, spill })
  writer.start()
  await settle()
  sink.up = false
  for (const id of ids(0, 25)) writer.enqueue(row(id))
  await clock.advanceSettling(5000)
  const counters = writer.counters()
  assert.equal(spill.rows.length, 5)
  assert.equal(counters.spilled, 5)
  assert.equal(counters.queued + counters.spilled + counters.dropped, 25)
  assert.ok(counters.dropped > 0)
})

test('a spill directory that cannot be written: rows past the queue are dropped and counted, said once per 10 s, for what it is', async () => {
  const spill = new MemorySpill()
  spill.append = async () => {
    throw Object.assign(new Error("EACCES: permission denied, open 'records-spill-1.jsonl'"), { code: 'EACCES' })
  }
  const { clock, sink, writer, logs } = setup({ queueSize: 10, spill })
  writer.start()
  await settle()
  sink.up = false
  // Past the queue, not past what may wait for the spill file: every drop is the spill file's.
  for (const id of ids(0, 15)) writer.enqueue(row(id))
  await clock.advanceSettling(5000)
  for (const id of ids(15, 5)) writer.enqueue(row(id))
  await clock.advanceSettling(1000)
  const counters = writer.counters()
  assert.equal(counters.spilled, 0)
  assert.equal(counters.queued + counters.dropped, 20)
  assert.ok(counters.dropped > 0)
  const lines = logs.map((line) => JSON.parse(line) as { msg: string })
  assert.equal(lines.filter((line) => line.msg === 'the records spill file cannot be written').length, 1)
  assert.deepEqual(
    lines.filter((line) => line.msg.endsWith('records dropped')).map((line) => line.msg),
    ['the records spill file cannot be written: records dropped'],
  )
})

test('close during an outage spills what is queued without waiting for its deadline', async () => {
  const spill = new MemorySpill()
  const { clock, sink, writer } = setup({ spill })
  writer.start()
  await settle()
  sink.up = false
  for (const id of ids(0, 12)) writer.enqueue(row(id))
  await clock.advanceSettling(2000)
  assert.ok(writer.counters().failedBatches > 0)
  await writer.close(60_000)
  assert.deepEqual(
    spill.rows.map((r) => r.requestId),
    ids(0, 12),
  )
  assert.equal(spill.closed, true)
  assert.deepEqual(writer.counters(), { queued: 0, written: 0, dropped: 0, failedBatches: writer.counters().failedBatches, spilled: 12 })
})

test('rows spilled before the start are written once the database takes rows', async () => {
  const spill = new MemorySpill()
  spill.rows.push(...ids(0, 7).map(row))
  const { clock, sink, writer } = setup({ spill })
  writer.start()
  await clock.advanceSettling(100)
  assert.deepEqual(sink.stored, ids(0, 7))
  assert.equal(writer.connected, true)
})
