// A kysely driver for SQLite whose statements run in a worker thread (better-sqlite3 is synchronous: on the
// main thread a 500-row batch would hold up every request for tens of milliseconds).
import { Worker } from 'node:worker_threads'
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely'
import type { SqliteWorkerReply, SqliteWorkerRequest } from './sqlite-worker.js'

export class SqliteError extends Error {
  override readonly name = 'SqliteError'
  constructor(
    message: string,
    /** better-sqlite3's code, e.g. SQLITE_BUSY, SQLITE_CANTOPEN. */
    readonly code: string | undefined,
  ) {
    super(message)
  }
}

export class SqliteWorkerDriver implements Driver {
  readonly #path: string
  #worker: Worker | undefined
  #nextId = 0
  readonly #pending = new Map<number, { resolve: (reply: SqliteWorkerReply) => void; reject: (error: Error) => void }>()
  /** SQLite has one connection: kysely takes it for a statement or a whole transaction at a time. */
  #locked: Promise<void> | undefined
  #unlock: (() => void) | undefined

  constructor(path: string) {
    this.#path = path
  }

  /** Fails when the file cannot be opened; kysely calls init again on the next query, which starts a new worker. */
  async init(): Promise<void> {
    const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path: this.#path } })
    const opened = await new Promise<SqliteWorkerReply>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    if (opened.type !== 'opened') {
      await worker.terminate()
      throw new SqliteError(opened.type === 'open-failed' ? `cannot open ${this.#path}: ${opened.message}` : 'the SQLite worker did not start', opened.type === 'open-failed' ? opened.code : undefined)
    }
    worker.on('message', (reply: SqliteWorkerReply) => this.#settle(reply))
    worker.on('error', (error) => this.#failAll(error))
    worker.on('exit', () => this.#failAll(new SqliteError('the SQLite worker exited', undefined)))
    this.#worker = worker
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    while (this.#locked !== undefined) await this.#locked
    this.#locked = new Promise((resolve) => {
      this.#unlock = resolve
    })
    return { executeQuery: (query) => this.#execute(query), streamQuery: () => this.#noStreaming() }
  }

  async releaseConnection(): Promise<void> {
    const unlock = this.#unlock
    this.#locked = undefined
    this.#unlock = undefined
    unlock?.()
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw('begin'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw('rollback'))
  }

  async destroy(): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    if (worker === undefined) return
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    worker.postMessage({ type: 'close' } satisfies SqliteWorkerRequest)
    await exited
  }

  async #execute<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const worker = this.#worker
    if (worker === undefined) throw new SqliteError('the records file is closed', undefined)
    const id = ++this.#nextId
    const reply = await new Promise<SqliteWorkerReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.postMessage({ type: 'query', id, sql: query.sql, parameters: query.parameters } satisfies SqliteWorkerRequest)
    })
    if (reply.type === 'error') throw new SqliteError(reply.message, reply.code)
    if (reply.type !== 'result') throw new SqliteError(`unexpected reply from the SQLite worker: ${reply.type}`, undefined)
    return {
      rows: reply.rows as R[],
      ...(reply.changes === undefined ? {} : { numAffectedRows: BigInt(reply.changes) }),
      ...(reply.lastInsertRowid === undefined ? {} : { insertId: BigInt(reply.lastInsertRowid) }),
    }
  }

  async *#noStreaming(): AsyncIterableIterator<QueryResult<never>> {
    throw new SqliteError('streaming queries are not used by the records store', undefined)
  }

  #settle(reply: SqliteWorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'error') return
    const pending = this.#pending.get(reply.id)
    this.#pending.delete(reply.id)
    pending?.resolve(reply)
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }
}

function raw(sql: string): CompiledQuery {
  return { sql, parameters: [], query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] } } as unknown as CompiledQuery
}
