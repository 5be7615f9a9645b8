// Migration 0001: the predecessor's `records` table, exactly as its GORM AutoMigrate created it; kept when it exists.
import type { Kysely, Migration } from 'kysely'
import type { RecordDialect } from '../record-dialect.js'

/**
 * Same column names and types as GORM's (SQLite: text/datetime/integer; PostgreSQL: text/timestamptz/bigint),
 * so a database this gateway created still opens in the predecessor after a rollback.
 */
export function predecessorRecords(dialect: RecordDialect): Migration {
  const postgres = dialect === 'postgres'
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('records')
        .ifNotExists()
        .addColumn('id', postgres ? 'bigserial' : 'integer', (column) => (postgres ? column.primaryKey() : column.primaryKey().autoIncrement()))
        .addColumn('hostname', 'text')
        .addColumn('upstream_endpoint', 'text')
        .addColumn('upstream_sk', 'text')
        .addColumn('created_at', postgres ? 'timestamptz' : 'datetime')
        .addColumn('ip', 'text')
        .addColumn('body', 'text')
        .addColumn('model', 'text')
        .addColumn('response', 'text')
        .addColumn('response_time', postgres ? 'bigint' : 'integer')
        .addColumn('elapsed_time', postgres ? 'bigint' : 'integer')
        .addColumn('status', postgres ? 'bigint' : 'integer')
        .addColumn('authorization', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('headers', 'text')
        .execute()
    },
  }
}
