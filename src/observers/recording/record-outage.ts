// A records database that cannot take rows at all, told apart from one bad row, and logged once per outage:
// one line when it starts, one with its length and counts when it ends.
import type { Logger } from '../../log/logger.js'

/**
 * An outage is a database that cannot take rows at all (down, disk full, read-only, refusing logins): the batch
 * is kept and retried, and rows past the queue go to the spill file. Anything else may be one bad row: after a
 * few failures while the database answers, the batch is written row by row to find it.
 */
export function isOutageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  if (code.startsWith('SQLITE_')) return !/^SQLITE_(CONSTRAINT|MISMATCH|RANGE|TOOBIG|ERROR)/.test(code)
  // SQLSTATE classes: 08 connection, 28 login, 3D no such database, 53 resources (disk full), 57 operator, 58 system.
  if (/^(08|28|3D|53|57|58)[0-9A-Z]{3}$/.test(code)) return true
  return /^E[A-Z]+$/.test(code)
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** What the writer tells about itself when an outage starts or ends. */
export interface WriterState {
  readonly queued: number
  readonly dropped: number
  readonly failedBatches: number
}

export class RecordOutage {
  readonly #logger: Logger
  readonly #spills: boolean
  #since: number | undefined
  #spilled = 0
  #droppedBefore = 0

  /** `spills`: rows past the queue go to a spill file (else they are dropped), as the start line says. */
  constructor(logger: Logger, spills: boolean) {
    this.#logger = logger
    this.#spills = spills
  }

  get active(): boolean {
    return this.#since !== undefined
  }

  start(now: number, error: unknown, writer: WriterState): void {
    if (this.#since !== undefined) return
    this.#since = now
    this.#spilled = 0
    this.#droppedBefore = writer.dropped
    const spill = this.#spills ? 'rows past the queue go to the spill file' : 'rows past the queue are dropped'
    this.#logger.error(`the records database cannot take rows: retrying; ${spill}`, { queued: writer.queued, error: errorText(error) })
  }

  /** Rows kept by the spill file while the outage lasts. */
  spilled(count: number): void {
    if (this.#since !== undefined) this.#spilled += count
  }

  end(now: number, writer: WriterState): void {
    if (this.#since === undefined) return
    this.#logger.info('the records database takes rows again', {
      outageMs: Math.round(now - this.#since),
      spilled: this.#spilled,
      dropped: writer.dropped - this.#droppedBefore,
      failedBatches: writer.failedBatches,
    })
    this.#since = undefined
  }
}
