// Opens the records database behind one query layer (kysely) for SQLite and PostgreSQL, and migrates its schema.
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Dialect, type LogEvent, type Migration } from 'kysely'
import { parsePostgresAddress } from '../../config/postgres-address.js'
import type { Logger } from '../../log/logger.js'
import { recordMigrations } from './migrations/record-migrations.js'
import { createPostgresPool } from './postgres-pool.js'
import type { RecordDialect } from './record-dialect.js'
import type { RecordTables } from './record-tables.js'
import { openSqliteFile } from './sqlite-file.js'

export interface RecordDatabaseOptions {
  readonly dialect: RecordDialect
  /** SQLite: a file path. PostgreSQL: a libpq `key=value` string or a postgres:// URL. */
  readonly address: string
  readonly logger: Logger
  /** `-dblog`: log every SQL statement (its text and parameter count, never the values). */
  readonly logSql?: boolean
}

export interface RecordDatabase {
  readonly dialect: RecordDialect
  readonly db: Kysely<RecordTables>
}

export const migrationTable = 'records_schema_migration'

/** Opening connects lazily: nothing here fails when the database is down; the first query does, and retries reconnect. */
export function openRecordDatabase(options: RecordDatabaseOptions): RecordDatabase {
  const { logger } = options
  const log = (event: LogEvent): void => {
    const fields = { sql: event.query.sql, parameters: event.query.parameters.length, durationMs: Math.round(event.queryDurationMillis * 100) / 100 }
    if (event.level === 'query') logger.info('sql', fields)
    else logger.warn('sql failed', { ...fields, error: String(event.error) })
  }
  const db = new Kysely<RecordTables>({ dialect: dialectFor(options), ...(options.logSql === true ? { log } : {}) })
  return { dialect: options.dialect, db }
}

function dialectFor(options: RecordDatabaseOptions): Dialect {
  if (options.dialect === 'sqlite') return new SqliteDialect({ database: async () => openSqliteFile(options.address) })
  const address = parsePostgresAddress(options.address)
  if (address === undefined) throw new Error('dbaddr is not a PostgreSQL address (the config loader checks this)')
  const pool = createPostgresPool(address, {
    onIdleError: (error) => options.logger.warn('records database connection lost', { error: error.message }),
  })
  return new PostgresDialect({ pool })
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
    throw new RecordsSchemaError(`records schema migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
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
