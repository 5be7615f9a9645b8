// The record writer: queues rows off the request path, writes them in batches, retries through outages, never blocks.
import type { Logger } from '../../log/logger.js'
import type { Clock, TimerHandle } from '../../time/clock.js'
import { errorText, isOutageError, RecordOutage, type WriterState } from './record-outage.js'
import type { RecordRow } from './record-row.js'

/** Where batches go; RecordStore is the real one. */
export interface RecordSink {
  /** Creates or upgrades the schema; called until it succeeds before anything is written. */
  prepare(): Promise<unknown>
  insert(rows: readonly RecordRow[]): Promise<void>
  /** Succeeds when the database answers at all: tells a bad batch from an outage. */
  ping(): Promise<void>
}

export interface RecordWriterCounters {
  /** Rows waiting in memory now (including a batch being written). */
  readonly queued: number
  /** Rows stored since start (spilled rows too, once replayed). */
  readonly written: number
  /** Rows given up on: past the spill bound (or the queue's, without a spill file), or refused by the database on their own. */
  readonly dropped: number
  /** Batch writes that failed (each retried). */
  readonly failedBatches: number
  /** Rows written to the spill file since start. */
  readonly spilled: number
}

/** Where rows go while the database cannot take them; RecordSpill is the real one. */
export interface RecordOverflow {
  append(rows: readonly RecordRow[]): Promise<{ readonly kept: number; readonly dropped: number }>
  /** Inserts the next batch of spilled rows; 0 when none is left. */
  replayBatch(batchSize: number, insert: (rows: readonly RecordRow[]) => Promise<void>): Promise<number>
  close(): Promise<void>
}

export interface RecordWriterOptions {
  readonly sink: RecordSink
  readonly clock: Clock
  readonly logger: Logger
  readonly queueSize: number
  /** Bound on the queued rows' size (their text, approximately); default unbounded. */
  readonly queueBytes?: number
  readonly batchSize: number
  /** A partial batch is written at most this long after its first row arrived. */
  readonly flushIntervalMs: number
  /** First retry delay after a failure; it doubles per consecutive failure up to `retryMaxMs`. */
  readonly retryBaseMs?: number
  readonly retryMaxMs?: number
  /** A batch that failed this many times while the database answers pings is written row by row. */
  readonly isolateAfterFailures?: number
  /** The spill file: without one, rows that find the queue full are dropped. */
  readonly spill?: RecordOverflow
  /** For log lines about the spill file. */
  readonly spillDir?: string
}

export class RecordWriter {
  readonly #options: RecordWriterOptions
  readonly #outage: RecordOutage
  readonly #queue: RecordRow[] = []
  /** Rows that found the queue full, on their way to the spill file. */
  readonly #overflow: RecordRow[] = []
  #overflowBytes = 0
  #lastSpillErrorAt = Number.NEGATIVE_INFINITY
  #queuedBytes = 0
  #written = 0
  #dropped = 0
  #failedBatches = 0
  #spilled = 0
  #draining = false
  #stopped = false
  #prepared = false
  /** Spilled rows may be waiting from before this process (so: yes until a replay finds none). */
  #spillPending: boolean
  #wake: (() => void) | undefined
  #timer: TimerHandle | undefined
  #loop: Promise<void> | undefined
  #droppedSinceLog = 0
  #lastDropLogAt = Number.NEGATIVE_INFINITY
  #markReady: () => void = () => {}
  /** Resolves once the schema is in place (never, if the database never comes up). */
  readonly ready: Promise<void> = new Promise((resolve) => {
    this.#markReady = resolve
  })

  constructor(options: RecordWriterOptions) {
    this.#options = options
    this.#outage = new RecordOutage(options.logger, options.spill !== undefined)
    this.#spillPending = options.spill !== undefined
  }

  /** Starts connecting and writing in the background; rows enqueued before then wait in the queue. */
  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => this.#options.logger.error('record writer stopped', { error: String(error) }))
  }

  /** True while the database takes rows (its schema is in place and no outage is going on). */
  get connected(): boolean {
    return this.#prepared && !this.#outage.active
  }

  /** On the request path: O(1), never throws, never waits. */
  enqueue(row: RecordRow): void {
    const bytes = approximateBytes(row)
    if (this.#stopped) {
      this.#drop(1, 'the record writer is closed')
      return
    }
    if (
      this.#queue.length >= this.#options.queueSize ||
      this.#queuedBytes + bytes > (this.#options.queueBytes ?? Number.POSITIVE_INFINITY)
    ) {
      // The spill file takes it, unless rows already pile up faster than the file is written.
      if (
        this.#options.spill === undefined ||
        this.#overflow.length >= this.#options.queueSize ||
        this.#overflowBytes + bytes > (this.#options.queueBytes ?? Number.POSITIVE_INFINITY)
      ) {
        this.#drop(1, 'the record queue is full')
        return
      }
      this.#overflow.push(row)
      this.#overflowBytes += bytes
      this.#signal(true)
      return
    }
    this.#queue.push(row)
    this.#queuedBytes += bytes
    if (this.#queue.length === 1 || this.#queue.length >= this.#options.batchSize) this.#signal()
  }

  counters(): RecordWriterCounters {
    return {
      queued: this.#queue.length + this.#overflow.length,
      written: this.#written,
      dropped: this.#dropped,
      failedBatches: this.#failedBatches,
      spilled: this.#spilled,
    }
  }

  /**
   * Writes everything queued, retrying failures, for at most `deadlineMs` (not at all during an outage, when the
   * spill file is there); what is still queued then goes to the spill file, or is dropped (counted and logged).
   * After close, new rows are dropped.
   */
  async close(deadlineMs: number): Promise<void> {
    this.#draining = true
    this.start()
    this.#signal()
    let result: 'done' | 'timeout' | 'outage' = 'outage'
    if (this.#options.spill === undefined || !this.#outage.active) {
      let deadline: TimerHandle | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        deadline = this.#options.clock.setTimeout(() => resolve('timeout'), deadlineMs)
      })
      result = (await Promise.race([this.#loop?.then(() => 'done' as const), timedOut])) ?? 'done'
      if (deadline !== undefined) this.#options.clock.clearTimeout(deadline)
    }
    this.#stopped = true
    this.#clearTimer()
    this.#signal(true)
    // Not waiting for the loop: a write still under way that commits later is skipped when its rows are replayed.
    const left = [...this.#queue, ...this.#takeOverflow()]
    this.#settle(this.#queue.length)
    if (left.length > 0 && this.#options.spill !== undefined) {
      const kept = await this.#spill(left)
      this.#options.logger.warn('records not yet written at shutdown: spilled, to be written at the next start', {
        spilled: kept,
        dropped: left.length - kept,
      })
    } else if (left.length > 0) {
      this.#dropped += left.length
      const reason = result === 'timeout' ? `not written within ${deadlineMs} ms of shutdown` : 'arrived after the final flush'
      this.#options.logger.error(`records ${reason}: dropped`, { dropped: left.length })
    }
    await this.#options.spill
      ?.close()
      .catch((error: unknown) => this.#options.logger.error('the records spill file could not be closed', { error: errorText(error) }))
  }

  async #run(): Promise<void> {
    let failures = 0
    while (!this.#stopped) {
      if (this.#overflow.length > 0) await this.#spill(this.#takeOverflow())
      if (!this.#prepared) {
        if (await this.#prepare()) failures = 0
        else if (this.#draining && this.#options.spill !== undefined) return
        else {
          await this.#sleep(this.#backoffMs(++failures))
          continue
        }
      }
      // A full queue in an outage goes to the spill file rather than waiting in memory for the database.
      if (this.#outage.active && this.#options.spill !== undefined && this.#queueFull()) {
        const rows = this.#queue.slice()
        this.#settle(rows.length)
        await this.#spill(rows)
      }
      if (this.#queue.length === 0 && this.#draining && this.#overflow.length === 0) return
      const replaying = this.#spillPending && this.#queue.length < this.#options.batchSize && !this.#draining
      if (!replaying) {
        await this.#waitForWork()
        if (this.#stopped) return
        if (this.#overflow.length > 0) continue
      }
      const batch = replaying ? undefined : this.#queue.slice(0, this.#options.batchSize)
      if (batch?.length === 0) continue
      try {
        if (batch === undefined) {
          const replayed = await (this.#options.spill as RecordOverflow).replayBatch(this.#options.batchSize, (rows) =>
            this.#options.sink.insert(rows),
          )
          if (replayed === 0) this.#spillPending = false
          else this.#written += replayed
        } else {
          await this.#options.sink.insert(batch)
          this.#settle(batch.length)
          this.#written += batch.length
        }
        failures = 0
        this.#endOutage()
      } catch (error) {
        if (this.#stopped) return
        this.#failedBatches++
        failures++
        const outage = isOutageError(error) || !(await this.#answers())
        if (outage) {
          this.#startOutage(error)
          // Shutdown in an outage: close() spills what is left rather than waiting for its deadline.
          if (this.#draining && this.#options.spill !== undefined) return
        } else if (batch !== undefined && failures >= (this.#options.isolateAfterFailures ?? 3)) {
          await this.#writeOneByOne(batch, error)
          failures = 0
          continue
        } else {
          this.#options.logger.warn('writing records failed: retrying', {
            rows: batch?.length,
            queued: this.#queue.length,
            error: errorText(error),
          })
        }
        await this.#sleep(this.#backoffMs(failures))
      }
    }
  }

  /** A database that is down at start must not stop the gateway: the schema set-up is retried in the background. */
  async #prepare(): Promise<boolean> {
    try {
      await this.#options.sink.prepare()
      this.#prepared = true
      this.#markReady()
      this.#endOutage()
      return true
    } catch (error) {
      if (!this.#stopped) this.#startOutage(error)
      return false
    }
  }

  #startOutage(error: unknown): void {
    this.#outage.start(this.#options.clock.now(), error, this.#state())
  }

  #endOutage(): void {
    this.#outage.end(this.#options.clock.now(), this.#state())
  }

  #state(): WriterState {
    return { queued: this.#queue.length, dropped: this.#dropped, failedBatches: this.#failedBatches }
  }

  /** Rows kept by the spill file; the rest are dropped (past its bound, or it could not be written). */
  async #spill(rows: readonly RecordRow[]): Promise<number> {
    const spill = this.#options.spill
    if (spill === undefined || rows.length === 0) return 0
    let kept = 0
    let unwritable = false
    try {
      kept = (await spill.append(rows)).kept
    } catch (error) {
      unwritable = true
      // Once per 10 seconds at most, like the drops it causes.
      const now = this.#options.clock.now()
      if (now - this.#lastSpillErrorAt >= 10_000) {
        this.#lastSpillErrorAt = now
        this.#options.logger.error('the records spill file cannot be written', { dir: this.#options.spillDir, error: errorText(error) })
      }
    }
    this.#spilled += kept
    this.#spillPending ||= kept > 0
    this.#outage.spilled(kept)
    if (kept < rows.length)
      this.#drop(rows.length - kept, unwritable ? 'the records spill file cannot be written' : 'the records spill file is full')
    return kept
  }

  #takeOverflow(): RecordRow[] {
    this.#overflowBytes = 0
    return this.#overflow.splice(0)
  }

  #queueFull(): boolean {
    return this.#queue.length >= this.#options.queueSize || this.#queuedBytes >= (this.#options.queueBytes ?? Number.POSITIVE_INFINITY)
  }

  /** A batch the database keeps refusing while it answers: store what it accepts, drop (and count) the rest. */
  async #writeOneByOne(batch: readonly RecordRow[], batchError: unknown): Promise<void> {
    this.#options.logger.warn('the records database refuses a batch: writing it row by row', {
      rows: batch.length,
      error: errorText(batchError),
    })
    for (const row of batch) {
      if (this.#stopped) return
      try {
        await this.#options.sink.insert([row])
        this.#written++
      } catch (error) {
        // The database stopped taking rows meanwhile: this row and the rest stay queued for the retry.
        if (isOutageError(error) || !(await this.#answers())) {
          this.#startOutage(error)
          return
        }
        this.#dropped++
        this.#options.logger.error('the records database refused a record: dropped', { requestId: row.requestId, error: errorText(error) })
      }
      this.#settle(1)
    }
  }

  async #answers(): Promise<boolean> {
    try {
      await this.#options.sink.ping()
      return true
    } catch {
      return false
    }
  }

  /** Until a full batch is queued, or the flush interval has passed since a partial one started waiting. */
  #waitForWork(): Promise<void> {
    if (this.#queue.length >= this.#options.batchSize || this.#overflow.length > 0 || (this.#draining && this.#queue.length > 0))
      return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#wake = resolve
      if (this.#queue.length > 0) this.#timer = this.#options.clock.setTimeout(() => this.#signal(), this.#options.flushIntervalMs)
    }).finally(() => this.#clearTimer())
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = undefined
      const timer = this.#options.clock.setTimeout(resolve, ms)
      // close() past its deadline must not wait for a 30-second backoff, and overflow must reach the file now.
      this.#wakeSleep = () => {
        this.#options.clock.clearTimeout(timer)
        resolve()
      }
    }).finally(() => {
      this.#wakeSleep = undefined
    })
  }

  #wakeSleep: (() => void) | undefined

  #signal(urgent = false): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
    if (this.#stopped || urgent) this.#wakeSleep?.()
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** The rows at the head of the queue are done with (written or dropped). */
  #settle(count: number): void {
    for (const row of this.#queue.splice(0, count)) this.#queuedBytes -= approximateBytes(row)
  }

  #backoffMs(failures: number): number {
    const base = this.#options.retryBaseMs ?? 250
    return Math.min(this.#options.retryMaxMs ?? 30_000, base * 2 ** Math.min(failures - 1, 20))
  }

  #drop(count: number, reason: string): void {
    this.#dropped += count
    this.#droppedSinceLog += count
    const now = this.#options.clock.now()
    // One line per 10 seconds at most: an outage must not turn into a log flood.
    if (now - this.#lastDropLogAt >= 10_000) {
      this.#options.logger.error(`${reason}: records dropped`, { dropped: this.#droppedSinceLog, droppedTotal: this.#dropped })
      this.#droppedSinceLog = 0
      this.#lastDropLogAt = now
    }
  }
}

/** UTF-16 lengths of the large fields plus a fixed share for the rest: cheap, and close enough for a bound. */
function approximateBytes(row: RecordRow): number {
  return 512 + (row.requestBody?.length ?? 0) + (row.response?.length ?? 0) + (row.headers?.length ?? 0)
}
