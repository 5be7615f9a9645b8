// The record writer: queues rows off the request path, writes them in batches, retries through outages, never blocks.
import type { Logger } from '../../log/logger.js'
import type { Clock, TimerHandle } from '../../time/clock.js'
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
  /** Rows waiting now (including a batch being written). */
  readonly queued: number
  /** Rows stored since start. */
  readonly written: number
  /** Rows given up on: queue full, rejected by the database on their own, or still queued at the close deadline. */
  readonly dropped: number
  /** Batch writes that failed (each retried). */
  readonly failedBatches: number
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
}

export class RecordWriter {
  readonly #options: RecordWriterOptions
  readonly #queue: RecordRow[] = []
  #queuedBytes = 0
  #written = 0
  #dropped = 0
  #failedBatches = 0
  #draining = false
  #stopped = false
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
  }

  /** Starts connecting and writing in the background; rows enqueued before then wait in the queue. */
  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => this.#options.logger.error('record writer stopped', { error: String(error) }))
  }

  /** On the request path: O(1), never throws, never waits. */
  enqueue(row: RecordRow): void {
    const bytes = approximateBytes(row)
    if (this.#stopped || this.#queue.length >= this.#options.queueSize || this.#queuedBytes + bytes > (this.#options.queueBytes ?? Number.POSITIVE_INFINITY)) {
      this.#drop(1, 'the record queue is full')
      return
    }
    this.#queue.push(row)
    this.#queuedBytes += bytes
    if (this.#queue.length === 1 || this.#queue.length >= this.#options.batchSize) this.#signal()
  }

  counters(): RecordWriterCounters {
    return { queued: this.#queue.length, written: this.#written, dropped: this.#dropped, failedBatches: this.#failedBatches }
  }

  /**
   * Writes everything queued, retrying failures, for at most `deadlineMs`; what is still queued then is dropped
   * (counted and logged). After close, new rows are dropped.
   */
  async close(deadlineMs: number): Promise<void> {
    this.#draining = true
    this.start()
    this.#signal()
    let deadline: TimerHandle | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = this.#options.clock.setTimeout(() => resolve('timeout'), deadlineMs)
    })
    const result = await Promise.race([this.#loop, timedOut])
    if (deadline !== undefined) this.#options.clock.clearTimeout(deadline)
    this.#stopped = true
    this.#clearTimer()
    this.#signal()
    if (this.#queue.length > 0) {
      const left = this.#queue.length
      this.#settle(left)
      this.#dropped += left
      const reason = result === 'timeout' ? `not written within ${deadlineMs} ms of shutdown` : 'arrived after the final flush'
      this.#options.logger.error(`records ${reason}: dropped`, { dropped: left })
    }
  }

  async #run(): Promise<void> {
    await this.#prepare()
    let failures = 0
    while (!this.#stopped) {
      if (this.#queue.length === 0 && this.#draining) return
      await this.#waitForWork()
      if (this.#stopped) return
      const batch = this.#queue.slice(0, this.#options.batchSize)
      if (batch.length === 0) continue
      try {
        await this.#options.sink.insert(batch)
        this.#settle(batch.length)
        this.#written += batch.length
        failures = 0
      } catch (error) {
        if (this.#stopped) return
        this.#failedBatches++
        failures++
        const isolate = failures >= (this.#options.isolateAfterFailures ?? 3) && (await this.#answers())
        if (isolate) {
          await this.#writeOneByOne(batch)
          failures = 0
          continue
        }
        const delayMs = this.#backoffMs(failures)
        this.#options.logger.warn('writing records failed: retrying', { rows: batch.length, queued: this.#queue.length, retryInMs: delayMs, error: errorText(error) })
        await this.#sleep(delayMs)
      }
    }
  }

  /** A database that is down at start must not stop the gateway: retry the schema set-up in the background. */
  async #prepare(): Promise<void> {
    for (let failures = 1; !this.#stopped; failures++) {
      try {
        await this.#options.sink.prepare()
        this.#markReady()
        return
      } catch (error) {
        if (this.#stopped) return
        const delayMs = this.#backoffMs(failures)
        this.#options.logger.error('records database unavailable: records are queued meanwhile', { retryInMs: delayMs, queued: this.#queue.length, error: errorText(error) })
        await this.#sleep(delayMs)
      }
    }
  }

  /** A batch the database keeps refusing while it answers: store what it accepts, drop (and count) the rest. */
  async #writeOneByOne(batch: readonly RecordRow[]): Promise<void> {
    for (const row of batch) {
      if (this.#stopped) return
      try {
        await this.#options.sink.insert([row])
        this.#written++
      } catch (error) {
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
    if (this.#queue.length >= this.#options.batchSize || (this.#draining && this.#queue.length > 0)) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#wake = resolve
      if (this.#queue.length > 0) this.#timer = this.#options.clock.setTimeout(() => this.#signal(), this.#options.flushIntervalMs)
    }).finally(() => this.#clearTimer())
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = undefined
      const timer = this.#options.clock.setTimeout(resolve, ms)
      // close() past its deadline must not wait for a 30-second backoff.
      this.#wakeSleep = () => {
        this.#options.clock.clearTimeout(timer)
        resolve()
      }
    }).finally(() => {
      this.#wakeSleep = undefined
    })
  }

  #wakeSleep: (() => void) | undefined

  #signal(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
    if (this.#stopped) this.#wakeSleep?.()
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
