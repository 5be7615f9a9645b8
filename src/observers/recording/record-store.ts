// The records store: every query the gateway makes against the records table, one code path for SQLite and PostgreSQL.
import type { CompiledQuery, Expression, ExpressionBuilder, SqlBool } from 'kysely'
import { isScrubbed, scrubLegacySecrets } from './legacy-secrets.js'
import {
  migrateRecordDatabase,
  openRecordDatabase,
  type MigrationReport,
  type RecordDatabase,
  type RecordDatabaseOptions,
} from './record-database.js'
import { parseSqliteTimestamp, sqliteTimestamp, type RecordDialect } from './record-dialect.js'
import type { RecordedAttempt, RecordRow } from './record-row.js'
import { rowValuesOf, type RecordRowValues } from './record-row-values.js'
import type { RecordTables } from './record-tables.js'
import type { SqliteStatementRun } from './sqlite-file.js'

/** A row as read back: new rows have every field; the predecessor's rows have null where it kept nothing. */
export interface StoredRecord {
  readonly id: number
  readonly recordUid: string | null
  readonly requestId: string | null
  /** ms since the epoch; NaN when the stored text is not a time. */
  readonly createdAt: number
  readonly hostname: string | null
  readonly method: string | null
  readonly path: string | null
  readonly clientIp: string | null
  readonly userAgent: string | null
  readonly clientKey: string | null
  readonly model: string | null
  readonly stream: boolean | null
  readonly upstream: string | null
  readonly upstreamEndpoint: string | null
  readonly upstreamKey: string | null
  readonly upstreamModel: string | null
  readonly attempts: readonly RecordedAttempt[] | null
  readonly status: number | null
  readonly errorCode: string | null
  readonly firstByteMs: number | null
  readonly totalMs: number | null
  readonly responseTimeNs: number | null
  readonly elapsedTimeNs: number | null
  readonly bytesIn: number | null
  readonly bytesOut: number | null
  readonly promptTokens: number | null
  readonly completionTokens: number | null
  readonly totalTokens: number | null
  readonly usageSource: string | null
  readonly requestBody: string | null
  readonly response: string | null
  readonly headers: string | null
  readonly keyName: string | null
  readonly costUsd: number | null
}

/** One named key's spend since a time, summed from its records. */
export interface KeySpend {
  /** The key's name (`keys:`). */
  readonly key: string
  readonly usd: number
  /** Prompt and completion tokens. */
  readonly tokens: number
}

export interface RecordStoreOptions extends RecordDatabaseOptions {
  /** Lower-case header names whose values are removed from the predecessor's stored headers. */
  readonly redactHeaders: readonly string[]
}

export class RecordStore {
  readonly dialect: RecordDialect
  readonly #database: RecordDatabase
  readonly #redact: ReadonlySet<string>
  /** The predecessor's rows up to this id have been scrubbed (by this process). */
  #scrubbedThroughId = 0
  /**
   * PostgreSQL: compiled INSERTs by row count, as building a 200-row statement costs 2-5 ms. Under load every
   * batch is full, so one entry serves nearly all writes; partial batches (light load) may miss the small cache.
   */
  readonly #insertStatements = new Map<number, CompiledQuery>()
  /** SQLite: the single-row INSERT every row of a batch runs, compiled on the first batch. */
  #sqliteInsert: CompiledQuery | undefined

  private constructor(database: RecordDatabase, redact: ReadonlySet<string>) {
    this.#database = database
    this.dialect = database.dialect
    this.#redact = redact
  }

  /** Connects lazily: this never fails because the database is down. */
  static open(options: RecordStoreOptions): RecordStore {
    return new RecordStore(openRecordDatabase(options), new Set(options.redactHeaders))
  }

  /** Creates or upgrades the schema; safe to call again after a failure, and from several replicas at once. */
  prepare(target?: string): Promise<MigrationReport> {
    return migrateRecordDatabase(this.#database, target)
  }

  async ping(): Promise<void> {
    await this.#db.selectNoFrom((eb) => eb.val(1).as('one')).execute()
  }

  /**
   * Rows already stored (same record_uid) are skipped, so retries are safe; a row refused for any other reason
   * fails the whole batch and stores none of it. PostgreSQL: one statement for the batch. SQLite: one
   * transaction running a single-row statement per row, which costs less than one statement with every row's
   * values (9.7 against 12.2 us of CPU per row here, in 200-row batches of ~1.5 KB rows).
   */
  insert(rows: readonly RecordRow[]): Promise<void> {
    return this.insertValues(rows.map(rowValuesOf))
  }

  /** insert() for rows that crossed from another thread as values (record-row-values.ts). */
  async insertValues(rows: readonly RecordRowValues[]): Promise<void> {
    const [first] = rows
    if (first === undefined) return
    if (this.#database.dialect === 'sqlite') {
      this.#sqliteInsert ??= this.#insertQuery([columnsOf(first, 'sqlite')])
      await this.#database.runEach(this.#sqliteInsert, rows, runSqliteInsert)
      return
    }
    const values = rows.map((row) => columnsOf(row, 'postgres'))
    const statement = this.#insertStatementFor(values)
    // Every column is a bound parameter, row after row in column order: the compiled text is reused as is.
    await this.#db.executeQuery({ ...statement, parameters: values.flatMap((row) => Object.values(row)) })
  }

  #insertStatementFor(values: readonly RecordColumns[]): CompiledQuery {
    const cached = this.#insertStatements.get(values.length)
    if (cached !== undefined) return cached
    const statement = this.#insertQuery(values)
    if (this.#insertStatements.size >= 8) this.#insertStatements.delete(this.#insertStatements.keys().next().value as number)
    this.#insertStatements.set(values.length, statement)
    return statement
  }

  #insertQuery(values: readonly RecordColumns[]): CompiledQuery {
    return this.#db
      .insertInto('records')
      .values([...values])
      .onConflict((conflict) => conflict.column('record_uid').doNothing())
      .compile()
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Rows in id order, oldest first. */
  async read(options: { readonly afterId?: number; readonly limit?: number } = {}): Promise<StoredRecord[]> {
    const rows = await this.#db
      .selectFrom('records')
      .selectAll()
      .where('id', '>', options.afterId ?? 0)
      .orderBy('id')
      .limit(options.limit ?? 1000)
      .execute()
    return rows.map((row) => this.#recordOf(row))
  }

  /**
   * Each named key's spend in rows started at or after `sinceMs` (`keys`: only these names), from which the
   * gateway rebuilds budgets at start. Reads the partial index on (key_name, created_at) of migration 0004.
   */
  async spendByKeySince(sinceMs: number, keys?: readonly string[]): Promise<KeySpend[]> {
    if (keys !== undefined && keys.length === 0) return []
    const since = this.dialect === 'sqlite' ? sqliteTimestamp(sinceMs) : new Date(sinceMs)
    let query = this.#db
      .selectFrom('records')
      .select((eb) => [
        'key_name',
        eb.fn.coalesce(eb.fn.sum<number | string | null>('cost_usd'), eb.lit(0)).as('usd'),
        eb.fn.coalesce(eb.fn.sum<number | string | null>('total_tokens'), eb.lit(0)).as('tokens'),
      ])
      .where('key_name', 'is not', null)
      .where('created_at', '>=', since)
    if (keys !== undefined) query = query.where('key_name', 'in', [...keys])
    const rows = await query.groupBy('key_name').orderBy('key_name').execute()
    // pg returns sums of integers (bigint, numeric) as strings.
    return rows.map((row) => ({ key: String(row.key_name), usd: Number(row.usd), tokens: Number(row.tokens) }))
  }

  /** Deletes at most `limit` rows created before `cutoffMs`, oldest first; returns how many went. */
  async deleteOlderThan(cutoffMs: number, limit: number): Promise<number> {
    const cutoff = this.dialect === 'sqlite' ? sqliteTimestamp(cutoffMs) : new Date(cutoffMs)
    const result = await this.#db
      .deleteFrom('records')
      .where('id', 'in', (eb) => eb.selectFrom('records').select('id').where('created_at', '<', cutoff).orderBy('id').limit(limit))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /**
   * Rewrites up to `limit` predecessor rows that still hold a client Authorization header or an upstream key,
   * replacing them with fingerprints; returns how many rows it looked at (0: none are left).
   */
  async scrubLegacySecrets(limit: number): Promise<number> {
    const rows = await this.#db
      .selectFrom('records')
      .select(['id', 'authorization', 'upstream_sk', 'upstream_endpoint', 'headers', 'response'])
      .where('record_uid', 'is', null)
      .where('id', '>', this.#scrubbedThroughId)
      // An endpoint with `user:password@` may come with no key at all (the credentials were the upstream's auth).
      .where((eb) => eb.or([mayHoldSecret(eb, 'authorization'), mayHoldSecret(eb, 'upstream_sk'), eb('upstream_endpoint', 'like', '%@%')]))
      .orderBy('id')
      .limit(limit)
      .execute()
    if (rows.length === 0) return 0
    await this.#db.transaction().execute(async (trx) => {
      for (const row of rows) {
        if (isScrubbed(row) && row.headers === null) continue
        const scrubbed = scrubLegacySecrets(row, this.#redact)
        await trx.updateTable('records').set(scrubbed).where('id', '=', row.id).execute()
      }
    })
    this.#scrubbedThroughId = Number(rows[rows.length - 1]?.id ?? this.#scrubbedThroughId)
    return rows.length
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }

  get #db() {
    return this.#database.db
  }

  #recordOf(row: Record<string, unknown>): StoredRecord {
    // Drivers return text columns as strings; a number or flag read from one is written as text.
    const text = (value: unknown): string | null => {
      if (value === null || value === undefined) return null
      if (typeof value === 'string') return value
      return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
    }
    const number = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value))
    const created = row['created_at']
    return {
      id: Number(row['id']),
      recordUid: text(row['record_uid']),
      requestId: text(row['request_id']),
      createdAt: created instanceof Date ? created.getTime() : typeof created === 'string' ? parseSqliteTimestamp(created) : Number.NaN,
      hostname: text(row['hostname']),
      method: text(row['method']),
      path: text(row['path']),
      clientIp: text(row['ip']),
      userAgent: text(row['user_agent']),
      clientKey: text(row['authorization']),
      model: text(row['model']),
      stream: row['stream'] === null || row['stream'] === undefined ? null : Boolean(row['stream']),
      upstream: text(row['upstream']),
      upstreamEndpoint: text(row['upstream_endpoint']),
      upstreamKey: text(row['upstream_sk']),
      upstreamModel: text(row['upstream_model']),
      attempts: typeof row['attempts'] === 'string' ? (JSON.parse(row['attempts']) as RecordedAttempt[]) : null,
      status: number(row['status']),
      errorCode: text(row['error_code']),
      firstByteMs: number(row['first_byte_ms']),
      totalMs: number(row['total_ms']),
      responseTimeNs: number(row['response_time']),
      elapsedTimeNs: number(row['elapsed_time']),
      bytesIn: number(row['bytes_in']),
      bytesOut: number(row['bytes_out']),
      promptTokens: number(row['prompt_tokens']),
      completionTokens: number(row['completion_tokens']),
      totalTokens: number(row['total_tokens']),
      usageSource: text(row['usage_source']),
      requestBody: text(row['body']),
      response: text(row['response']),
      headers: text(row['headers']),
      keyName: text(row['key_name']),
      costUsd: number(row['cost_usd']),
    }
  }
}

/** The column values of a new row, in the form each database takes them. */
function columnsOf(row: RecordRowValues, dialect: RecordDialect) {
  const sqlite = dialect === 'sqlite'
  const [
    recordUid,
    requestId,
    createdAt,
    hostname,
    method,
    path,
    clientIp,
    userAgent,
    clientKey,
    model,
    stream,
    upstream,
    upstreamEndpoint,
    upstreamKey,
    upstreamModel,
    attemptsJson,
    status,
    errorCode,
    firstByteMs,
    totalMs,
    bytesIn,
    bytesOut,
    promptTokens,
    completionTokens,
    totalTokens,
    usageSource,
    requestBody,
    response,
    headers,
    keyName,
    costUsd,
  ] = row
  return {
    record_uid: recordUid,
    request_id: requestId,
    created_at: sqlite ? sqliteTimestamp(createdAt) : new Date(createdAt),
    hostname,
    method,
    path,
    ip: clientIp,
    user_agent: userAgent,
    authorization: clientKey,
    model,
    stream: sqlite ? Number(stream) : stream,
    upstream,
    upstream_endpoint: upstreamEndpoint,
    upstream_sk: upstreamKey,
    upstream_model: upstreamModel,
    attempts: attemptsJson,
    status,
    error_code: errorCode,
    first_byte_ms: firstByteMs,
    total_ms: totalMs,
    // The predecessor's columns keep their meaning (nanoseconds) so its queries still work on new rows.
    response_time: firstByteMs === null ? null : Math.round(firstByteMs * 1e6),
    elapsed_time: Math.round(totalMs * 1e6),
    bytes_in: bytesIn,
    bytes_out: bytesOut,
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: totalTokens,
    usage_source: usageSource,
    body: requestBody,
    response,
    headers,
    key_name: keyName,
    cost_usd: costUsd,
  }
}

type RecordColumns = ReturnType<typeof columnsOf>

/**
 * Runs the SQLite INSERT for one row: the values of columnsOf(row, 'sqlite') in its key order (the order of
 * the statement's placeholders), bound straight from the row's values with no object in between. Keep the two
 * in step; the contract tests read every field back.
 */
function runSqliteInsert(insert: SqliteStatementRun, row: RecordRowValues): void {
  const [
    recordUid,
    requestId,
    createdAt,
    hostname,
    method,
    path,
    clientIp,
    userAgent,
    clientKey,
    model,
    stream,
    upstream,
    upstreamEndpoint,
    upstreamKey,
    upstreamModel,
    attemptsJson,
    status,
    errorCode,
    firstByteMs,
    totalMs,
    bytesIn,
    bytesOut,
    promptTokens,
    completionTokens,
    totalTokens,
    usageSource,
    requestBody,
    response,
    headers,
    keyName,
    costUsd,
  ] = row
  insert.run(
    recordUid,
    requestId,
    sqliteTimestamp(createdAt),
    hostname,
    method,
    path,
    clientIp,
    userAgent,
    clientKey,
    model,
    Number(stream),
    upstream,
    upstreamEndpoint,
    upstreamKey,
    upstreamModel,
    attemptsJson,
    status,
    errorCode,
    firstByteMs,
    totalMs,
    firstByteMs === null ? null : Math.round(firstByteMs * 1e6),
    Math.round(totalMs * 1e6),
    bytesIn,
    bytesOut,
    promptTokens,
    completionTokens,
    totalTokens,
    usageSource,
    requestBody,
    response,
    headers,
    keyName,
    costUsd,
  )
}

/** Not empty, not a `key-…` fingerprint (nor `asis` for upstream keys). isScrubbed() has the final say. */
function mayHoldSecret(eb: ExpressionBuilder<RecordTables, 'records'>, column: 'authorization' | 'upstream_sk'): Expression<SqlBool> {
  const conditions: Array<Expression<SqlBool>> = [
    eb(column, 'is not', null),
    eb(column, '<>', ''),
    eb.not(eb.and([eb(column, 'like', 'key-%'), eb(eb.fn<number>('length', [column]), '=', 16)])),
  ]
  if (column === 'upstream_sk') conditions.push(eb(column, '<>', 'asis'))
  return eb.and(conditions)
}
