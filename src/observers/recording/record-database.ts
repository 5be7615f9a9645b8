// Opens the records database behind one query layer (kysely) for SQLite and PostgreSQL, and migrates its schema.
import { performance } from 'node:perf_hooks'
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type CompiledQuery,
  type KyselyConfig,
  type LogEvent,
  type Migration,
} from 'kysely'
import { parsePostgresAddress } from '../../config/postgres-address.js'
import type { Logger } from '../../log/logger.js'
import { recordMigrations } from './migrations/record-migrations.js'
import { createPostgresPool } from './postgres-pool.js'
import { errorText } from './record-outage.js'
import type { RecordDialect } from './record-dialect.js'
import type { RecordTables } from './record-tables.js'
import { openSqliteFile, type SqliteFile, type SqliteStatementRun } from './sqlite-file.js'

export interface RecordDatabaseOptions {
  readonly dialect: RecordDialect
  /** SQLite: a file path. PostgreSQL: a libpq `key=value` string or a postgres:// URL. */
  readonly address: string
  readonly logger: Logger
  /** `-dblog`: log every SQL statement (its text and parameter count, never the values). */
  readonly logSql?: boolean
}

export type RecordDatabase = PostgresRecordDatabase | SqliteRecordDatabase

export interface PostgresRecordDatabase {
  readonly dialect: 'postgres'
  readonly db: Kysely<RecordTables>
}

export interface SqliteRecordDatabase {
  readonly dialect: 'sqlite'
  readonly db: Kysely<RecordTables>
  /**
   * Runs `query`'s text once per item, each run bound by `bind`, in one transaction (see SqliteFile.runEach):
   * for SQLite this costs less per row than one statement with every row's values.
   */
  runEach<T>(query: CompiledQuery, items: readonly T[], bind: (statement: SqliteStatementRun, item: T) => void): Promise<void>
}

export const migrationTable = 'records_schema_migration'

/** Opening connects lazily: nothing here fails when the database is down; the first query does, and retries reconnect. */
export function openRecordDatabase(options: RecordDatabaseOptions): RecordDatabase {
  const logSql = options.logSql === true ? sqlLog(options.logger) : undefined
  if (options.dialect === 'sqlite') return openSqlite(options.address, logSql)
  const address = parsePostgresAddress(options.address)
  if (address === undefined) throw new Error('dbaddr is not a PostgreSQL address (the config loader checks this)')
  const pool = createPostgresPool(address, {
    onIdleError: (error) => options.logger.warn('records database connection lost', { error: error.message }),
  })
  return { dialect: 'postgres', db: new Kysely<RecordTables>({ dialect: new PostgresDialect({ pool }), ...kyselyLog(logSql) }) }
}

interface SqlRun {
  readonly query: Pick<CompiledQuery, 'sql' | 'parameters'>
  readonly durationMs: number
  /** How many times the statement ran (runEach); one when absent. */
  readonly runs?: number
  readonly error?: unknown
}

type SqlLog = (run: SqlRun) => void

/** `-dblog`: a statement's text, parameter count and duration, never the values. */
function sqlLog(logger: Logger): SqlLog {
  return ({ query, durationMs, runs, error }) => {
    const fields = {
      sql: query.sql,
      parameters: query.parameters.length,
      ...(runs === undefined ? {} : { runs }),
      durationMs: Math.round(durationMs * 100) / 100,
    }
    if (error === undefined) logger.info('sql', fields)
    else logger.warn('sql failed', { ...fields, error: errorText(error) })
  }
}

function kyselyLog(logSql: SqlLog | undefined): Pick<KyselyConfig, 'log'> {
  if (logSql === undefined) return {}
  return {
    log: (event: LogEvent) =>
      logSql({ query: event.query, durationMs: event.queryDurationMillis, error: event.level === 'error' ? event.error : undefined }),
  }
}

function openSqlite(path: string, logSql: SqlLog | undefined): SqliteRecordDatabase {
  let file: SqliteFile | undefined
  const db = new Kysely<RecordTables>({
    dialect: new SqliteDialect({ database: async () => (file = openSqliteFile(path)) }),
    ...kyselyLog(logSql),
  })
  return {
    dialect: 'sqlite',
    db,
    // kysely has one connection to the file and holds it from BEGIN to COMMIT of its transactions (secret
    // scrubbing opens one). Holding that connection while runEach writes past kysely keeps these runs out of
    // any transaction kysely has open, and kysely's statements out of this one. kysely opens the file before
    // it hands the connection out.
    runEach: (query, items, bind) =>
      db.connection().execute(async () => {
        if (file === undefined) throw new Error('the records file is not open')
        const started = performance.now()
        let error: unknown
        try {
          file.runEach(query.sql, items, bind)
        } catch (caught) {
          error = caught
          throw caught
        } finally {
          logSql?.({ query, durationMs: performance.now() - started, runs: items.length, error })
        }
      }),
  }
}

export interface MigrationReport {
  /** Names applied by this call, in order. */
  readonly applied: readonly string[]
}

/**
 * Applies the pending numbered migrations (all of them, or up to `target`). Replicas starting together are
 * serialised by kysely's migration lock (an advisory lock on PostgreSQL).
 */
export async function migrateRecordDatabase(database: RecordDatabase, target?: string): Promise<MigrationReport> {
  const migrator = migratorFor(database)
  const { error, results = [] } = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target)
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName
    throw new RecordsSchemaError(`records schema migration${failed === undefined ? '' : ` ${failed}`} failed: ${errorText(error)}`, {
      cause: error,
    })
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) }
}

/** The names of the applied migrations, oldest first: the schema version is the last one. */
export async function appliedMigrations(database: RecordDatabase): Promise<string[]> {
  const migrator = migratorFor(database)
  const migrations = await migrator.getMigrations()
  return migrations.filter((migration) => migration.executedAt !== undefined).map((migration) => migration.name)
}

function migratorFor(database: RecordDatabase): Migrator {
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => recordMigrations(database.dialect) },
    migrationTableName: migrationTable,
    migrationLockTableName: `${migrationTable}_lock`,
  })
}

export class RecordsSchemaError extends Error {
  override readonly name = 'RecordsSchemaError'
  readonly code = 'RECORDS_SCHEMA'
}
