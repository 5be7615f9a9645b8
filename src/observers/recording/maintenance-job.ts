// Background upkeep of the records table: retention and scrubbing the predecessor's secrets, a small batch at a time.
import type { Logger } from '../../log/logger.js'
import type { Clock, TimerHandle } from '../../time/clock.js'

export interface MaintainedStore {
  deleteOlderThan(cutoffMs: number, limit: number): Promise<number>
  scrubLegacySecrets(limit: number): Promise<number>
}

export interface MaintenanceJobOptions {
  readonly store: MaintainedStore
  readonly clock: Clock
  readonly logger: Logger
  /** 0: keep rows forever (only scrubbing runs). */
  readonly retentionDays: number
  readonly intervalMs?: number
  /** Rows per statement: each batch is one short statement, so record writes interleave with a long clean-up. */
  readonly batchSize?: number
  /** Pause between batches, leaving the database to the record writer. */
  readonly pauseMs?: number
}

export interface MaintenanceReport {
  readonly deleted: number
  readonly scrubbed: number
}

const dayMs = 86_400_000

export class MaintenanceJob {
  readonly #options: MaintenanceJobOptions
  #timer: TimerHandle | undefined
  #running: Promise<MaintenanceReport> | undefined
  #stopped = false

  constructor(options: MaintenanceJobOptions) {
    this.#options = options
  }

  /** Runs now, then every interval (default hourly). */
  start(): void {
    if (this.#stopped) return
    void this.runOnce().finally(() => this.#schedule())
  }

  /** One full pass: every predecessor row scrubbed, every expired row deleted, in batches. */
  runOnce(): Promise<MaintenanceReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  /** Stops scheduling, and lets a running pass stop after its current batch. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#endPause()
    await this.#running
  }

  async #pass(): Promise<MaintenanceReport> {
    const { store, retentionDays, logger } = this.#options
    const batch = this.#options.batchSize ?? 500
    let scrubbed = 0
    let deleted = 0
    try {
      scrubbed = await this.#inBatches(() => store.scrubLegacySecrets(batch), batch)
      if (retentionDays > 0) {
        // Fixed once per pass, so a pass ends even while new rows keep ageing past the cutoff.
        const cutoffMs = this.#options.clock.wallNow() - retentionDays * dayMs
        deleted = await this.#inBatches(() => store.deleteOlderThan(cutoffMs, batch), batch)
      }
      if (scrubbed > 0 || deleted > 0) logger.info('records maintenance', { deleted, scrubbedLegacyRows: scrubbed })
    } catch (error) {
      logger.warn('records maintenance failed: retried at the next interval', {
        deleted,
        scrubbedLegacyRows: scrubbed,
        error: error instanceof Error ? error.message : String(error),
      })
    }
    return { deleted, scrubbed }
  }

  async #inBatches(step: () => Promise<number>, batch: number): Promise<number> {
    let total = 0
    while (!this.#stopped) {
      const done = await step()
      total += done
      if (done < batch) break
      await this.#pause(this.#options.pauseMs ?? 20)
    }
    return total
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#options.clock.setTimeout(resolve, ms)
      this.#endPause = () => {
        this.#options.clock.clearTimeout(timer)
        resolve()
      }
    })
  }

  #endPause: () => void = () => {}

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = this.#options.clock.setTimeout(() => this.start(), this.#options.intervalMs ?? 3_600_000)
    // Upkeep must not keep a stopping process alive.
    this.#timer.unref?.()
  }
}
