#!/usr/bin/env node
// Records benchmark (`node dist/bench/records-throughput.js [rows]`): the cost of recording on the request path,
// and how many rows per second the batched writer stores in SQLite and PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { randomUUID } from 'node:crypto'
import { parseConfigText } from '../src/config/load-config.js'
import { createLogger } from '../src/log/logger.js'
import { recordContextFor, toRecordRow, type RecordRow } from '../src/observers/recording/record-row.js'
import { RecordStoreThread } from '../src/observers/recording/record-store-thread.js'
import { RecordWriter } from '../src/observers/recording/record-writer.js'
import type { RequestOutcome } from '../src/outcome/request-outcome.js'
import { systemClock } from '../src/time/clock.js'
import { createTestDatabase } from '../tests/helpers/postgres-test-database.js'

const rowsToWrite = Number(process.argv[2] ?? 20_000)
const quiet = createLogger({ level: 'silent' })
const config = parseConfigText(
  'authorization: k\nupstreams:\n  - {name: a, sk: s, endpoint: "http://127.0.0.1:1/v1"}\n',
  'bench.yaml',
  {},
).config
const context = recordContextFor(config, randomUUID)

function outcome(i: number): RequestOutcome {
  return {
    requestId: `bench-${i}`,
    startedAt: Date.now(),
    method: 'POST',
    path: '/v1/chat/completions',
    clientIp: '127.0.0.1',
    userAgent: 'bench/1',
    identity: { kind: 'key', fingerprint: 'key-0123456789ab' },
    model: 'gpt-4o-mini',
    stream: i % 2 === 0,
    upstream: 'a',
    attempts: [{ upstream: 'a', upstreamIndex: 0, outcome: 'ok', status: 200, errorCode: undefined, durationMs: 12.3 }],
    status: 200,
    errorCode: undefined,
    firstByteMs: 10.5,
    totalMs: 40.25,
    bytesIn: 1024,
    bytesOut: 2048,
    // ~1 KB request and ~500 B answer: the size of the chat request the load benchmarks use.
    requestBody: Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(950) }] })),
    requestHeaders: { authorization: 'Bearer k', 'content-type': 'application/json', 'user-agent': 'bench/1' },
    usage: { promptTokens: 250, completionTokens: 120, totalTokens: 370, source: 'reported' },
    responseText: 'y'.repeat(500),
  }
}

function measureMapping(): string {
  const n = 50_000
  const outcomes = Array.from({ length: 1000 }, (_, i) => outcome(i))
  const start = performance.now()
  for (let i = 0; i < n; i++) toRecordRow(outcomes[i % 1000] as RequestOutcome, context)
  return `request path (map outcome to row + enqueue): ${(((performance.now() - start) * 1000) / n).toFixed(1)} us per request`
}

async function measureStore(label: string, store: RecordStoreThread, batchSize: number): Promise<string> {
  await store.prepare()
  const rows: RecordRow[] = Array.from({ length: rowsToWrite }, (_, i) => toRecordRow(outcome(i), context))
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  const writer = new RecordWriter({
    sink: store,
    clock: systemClock,
    logger: quiet,
    queueSize: rowsToWrite,
    batchSize,
    flushIntervalMs: 10,
  })
  writer.start()
  await writer.ready
  loopDelay.enable()
  const start = performance.now()
  // Every thread of the process: the writer and the hand-over here, the store thread, the garbage collector.
  const cpuAtStart = process.cpuUsage()
  for (const row of rows) writer.enqueue(row)
  await writer.close(600_000)
  const cpu = process.cpuUsage(cpuAtStart)
  const seconds = (performance.now() - start) / 1000
  loopDelay.disable()
  const written = writer.counters().written
  await store.close()
  const cpuPerRowUs = (cpu.user + cpu.system) / written
  return `${label}, batch ${batchSize}: ${Math.round(written / seconds)} rows/s (${written} rows in ${seconds.toFixed(2)} s), ${cpuPerRowUs.toFixed(1)} us of CPU per row; event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`
}

/** Rows arriving at a steady rate, as requests would: how much event-loop delay does recording add? */
async function measureSteady(label: string, store: RecordStoreThread | undefined, perSecond: number, seconds: number): Promise<string> {
  await store?.prepare()
  const writer =
    store === undefined
      ? undefined
      : new RecordWriter({ sink: store, clock: systemClock, logger: quiet, queueSize: 100_000, batchSize: 200, flushIntervalMs: 1000 })
  writer?.start()
  await writer?.ready
  const outcomes = Array.from({ length: 1000 }, (_, i) => outcome(i))
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  let sent = 0
  const start = performance.now()
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(perSecond * seconds, Math.floor(((performance.now() - start) / 1000) * perSecond))
      for (; sent < due; sent++) writer?.enqueue(toRecordRow(outcomes[sent % 1000] as RequestOutcome, context))
      if (sent >= perSecond * seconds) {
        clearInterval(tick)
        resolve()
      }
    }, 1)
  })
  loopDelay.disable()
  await writer?.close(600_000)
  await store?.close()
  return `${label}, ${perSecond} rows/s for ${seconds} s: event loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`
}

async function main(): Promise<void> {
  process.stdout.write(`${measureMapping()}\n`)
  const steadyRate = 2000
  process.stdout.write(`${await measureSteady('no recording (baseline)', undefined, steadyRate, 3)}\n`)
  {
    const dir = mkdtempSync(join(tmpdir(), 'records-bench-'))
    try {
      process.stdout.write(
        `${await measureSteady('SQLite', RecordStoreThread.open({ dialect: 'sqlite', address: join(dir, 'db.sqlite'), logger: quiet, redactHeaders: [] }), steadyRate, 3)}\n`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const database = await createTestDatabase()
    try {
      process.stdout.write(
        `${await measureSteady('PostgreSQL', RecordStoreThread.open({ dialect: 'postgres', address: database.url, logger: quiet, redactHeaders: [] }), steadyRate, 3)}\n`,
      )
    } finally {
      await database.drop()
    }
  }
  for (const batchSize of [50, 200, 500]) {
    const dir = mkdtempSync(join(tmpdir(), 'records-bench-'))
    try {
      const store = RecordStoreThread.open({ dialect: 'sqlite', address: join(dir, 'db.sqlite'), logger: quiet, redactHeaders: [] })
      process.stdout.write(`${await measureStore('SQLite (WAL, synchronous=NORMAL)', store, batchSize)}\n`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const database = await createTestDatabase()
    try {
      const store = RecordStoreThread.open({ dialect: 'postgres', address: database.url, logger: quiet, redactHeaders: [] })
      process.stdout.write(`${await measureStore('PostgreSQL (127.0.0.1)', store, batchSize)}\n`)
    } finally {
      await database.drop()
    }
  }
}

await main()
