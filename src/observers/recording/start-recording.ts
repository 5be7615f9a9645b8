// Request recording as the gateway runs it: store, writer and upkeep built from the config, as one Recorder.
import { dirname, isAbsolute, resolve } from 'node:path'
import type { GatewayConfig } from '../../config/gateway-config.js'
import type { Logger } from '../../log/logger.js'
import type { Recorder } from '../../outcome/recorder.js'
import { systemClock, type Clock } from '../../time/clock.js'
import { MaintenanceJob } from './maintenance-job.js'
import { recordContextFor, toRecordRow } from './record-row.js'
import { RecordSpill } from './record-spill.js'
import { RecordStoreThread } from './record-store-thread.js'
import type { KeySpend } from './record-store.js'
import type { PriceTable } from '../../spend/price-table.js'
import { timeOrderedUid } from '../../time/time-ordered-uid.js'
import { RecordWriter, type RecordWriterCounters } from './record-writer.js'

/**
 * Give this to the gateway: `observe` maps the outcome and queues the row, and returns at once; `close` flushes
 * queued rows (for at most `deadlineMs`), then closes the database.
 */
export interface Recording extends Recorder {
  readonly stats: NonNullable<Recorder['stats']>
  /** Rows queued now, written, dropped, failed batch writes, spilled. */
  counters(): RecordWriterCounters
  /** Resolves once the schema is in place. */
  readonly ready: Promise<void>
  /**
   * Each named key's stored spend since `sinceMs` (`keys`: only these names), for rebuilding budgets at start.
   * Waits for the schema (so while the database is down it waits too); rows still queued are not counted.
   */
  spendByKeySince(sinceMs: number, keys?: readonly string[]): Promise<KeySpend[]>
}

export interface RecordingOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /** `-dblog`. */
  readonly logSql?: boolean
  readonly clock?: Clock
  readonly newRecordUid?: () => string
  /** How often retention and scrubbing run (default hourly). */
  readonly maintenanceIntervalMs?: number
  /** `prices:`, for each record's cost; none by default. */
  readonly prices?: PriceTable
}

/** undefined for `dbtype: none`. Never fails because the database is down: that is retried in the background. */
export function startRecording(options: RecordingOptions): Recording | undefined {
  const { config, logger } = options
  if (config.dbType === 'none') return undefined
  const clock = options.clock ?? systemClock
  // Resolved now, so a later change of working directory cannot move the file.
  const address = config.dbType === 'sqlite' && !isAbsolute(config.dbAddr) ? resolve(config.dbAddr) : config.dbAddr
  const store = RecordStoreThread.open({
    dialect: config.dbType,
    address,
    logger,
    logSql: options.logSql ?? false,
    redactHeaders: config.records.redactHeaders,
  })
  const { records } = config
  const spill = new RecordSpill({
    dir: resolve(records.spillDir ?? (config.dbType === 'sqlite' ? dirname(address) : '.')),
    maxBytes: records.spillBytes,
    logger,
    newSegmentId: timeOrderedUid(clock),
  })
  const writer = new RecordWriter({
    sink: store,
    clock,
    logger,
    queueSize: records.queueSize,
    queueBytes: records.queueBytes,
    batchSize: records.batchSize,
    flushIntervalMs: records.flushIntervalMs,
    spill,
    spillDir: spill.dir,
  })
  const maintenance = new MaintenanceJob({
    store,
    clock,
    logger,
    retentionDays: records.retentionDays,
    intervalMs: options.maintenanceIntervalMs,
  })
  const context = recordContextFor(config, options.newRecordUid ?? timeOrderedUid(clock), options.prices)
  writer.start()
  let schemaReady = false
  void writer.ready.then(() => (schemaReady = true))
  void writer.ready.then(() => maintenance.start())
  let closing: Promise<void> | undefined
  return {
    observe: (outcome) => writer.enqueue(toRecordRow(outcome, context)),
    counters: () => writer.counters(),
    stats() {
      const { queued, written, dropped } = writer.counters()
      return { ready: schemaReady, queued, written, dropped }
    },
    ready: writer.ready,
    async spendByKeySince(sinceMs, keys) {
      await writer.ready
      return store.spendByKeySince(sinceMs, keys)
    },
    close(deadlineMs) {
      closing ??= (async () => {
        await maintenance.stop()
        await writer.close(deadlineMs)
        await store.close()
      })()
      return closing
    },
  }
}
