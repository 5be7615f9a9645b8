// The records store as the main thread uses it: the same methods as RecordStore, run in a worker thread.
import { Worker } from 'node:worker_threads'
import type { Logger } from '../../log/logger.js'
import type { MigrationReport } from './record-database.js'
import type { RecordDialect } from './record-dialect.js'
import type { RecordRow } from './record-row.js'
import { rowValuesOf } from './record-row-values.js'
import type { FromWorker, RecordStoreMethod, ToWorker, WorkerOptions } from './record-store-worker.js'
import type { KeySpend, RecordStoreOptions, StoredRecord } from './record-store.js'

/** A failure reported by the records worker: the database's message and code (SQLSTATE, SQLITE_*, ECONNREFUSED). */
export class RecordStoreError extends Error {
  override readonly name = 'RecordStoreError'
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message)
  }
}

/**
 * Why a thread: sending a 200-row batch to PostgreSQL costs ~12 ms of CPU (serialising and writing ~300 KB),
 * and better-sqlite3 runs statements synchronously; on the request-serving thread either would stall every
 * request in flight. Here that thread only hands the rows over. A worker that dies is started again on the
 * next call.
 */
export class RecordStoreThread {
  readonly dialect: RecordDialect
  readonly #options: WorkerOptions
  readonly #logger: Logger
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #worker: Worker | undefined
  #exited: Promise<void> | undefined
  #nextId = 0

  private constructor(options: RecordStoreOptions) {
    const { logger, ...workerOptions } = options
    this.dialect = options.dialect
    this.#options = workerOptions
    this.#logger = logger
  }

  /** Starts no worker and opens no connection yet: nothing here fails because the database is down. */
  static open(options: RecordStoreOptions): RecordStoreThread {
    return new RecordStoreThread(options)
  }

  prepare(target?: string): Promise<MigrationReport> {
    return this.#call('prepare', target === undefined ? [] : [target]) as Promise<MigrationReport>
  }

  async ping(): Promise<void> {
    await this.#call('ping', [])
  }

  async insert(rows: readonly RecordRow[]): Promise<void> {
    // Values, not the rows: cheaper to copy across (record-row-values.ts).
    if (rows.length > 0) await this.#call('insertValues', [rows.map(rowValuesOf)])
  }

  count(): Promise<number> {
    return this.#call('count', []) as Promise<number>
  }

  read(options: { readonly afterId?: number; readonly limit?: number } = {}): Promise<StoredRecord[]> {
    return this.#call('read', [options]) as Promise<StoredRecord[]>
  }

  /** RecordStore.spendByKeySince, on the store's thread. */
  spendByKeySince(sinceMs: number, keys?: readonly string[]): Promise<KeySpend[]> {
    return this.#call('spendByKeySince', keys === undefined ? [sinceMs] : [sinceMs, keys]) as Promise<KeySpend[]>
  }

  deleteOlderThan(cutoffMs: number, limit: number): Promise<number> {
    return this.#call('deleteOlderThan', [cutoffMs, limit]) as Promise<number>
  }

  scrubLegacySecrets(limit: number): Promise<number> {
    return this.#call('scrubLegacySecrets', [limit]) as Promise<number>
  }

  /** Closes the database and ends the worker. */
  async close(): Promise<void> {
    if (this.#worker === undefined) return
    const exited = this.#exited
    try {
      await this.#call('close', [])
    } finally {
      await exited
    }
  }

  #call(method: RecordStoreMethod, args: readonly unknown[]): Promise<unknown> {
    const worker = this.#worker ?? this.#start()
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.postMessage({ type: 'call', id, method, args } satisfies ToWorker)
    })
  }

  #start(): Worker {
    const worker = new Worker(new URL('./record-store-worker.js', import.meta.url), { workerData: this.#options })
    worker.on('message', (message: FromWorker) => this.#receive(message))
    worker.on('error', (error) => this.#logger.error('records worker failed', { error: error.message }))
    this.#exited = new Promise((resolve) => {
      worker.once('exit', () => {
        this.#worker = undefined
        for (const pending of this.#pending.values()) pending.reject(new RecordStoreError('the records worker stopped', undefined))
        this.#pending.clear()
        resolve()
      })
    })
    this.#worker = worker
    return worker
  }

  #receive(message: FromWorker): void {
    if (message.type === 'log') {
      this.#logger[message.level](message.msg, message.fields)
      return
    }
    const pending = this.#pending.get(message.id)
    this.#pending.delete(message.id)
    if (message.ok) pending?.resolve(message.value)
    else pending?.reject(new RecordStoreError(message.message, message.code))
  }
}
