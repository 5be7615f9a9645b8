// Migration 0001: the predecessor's `records` table as its GORM AutoMigrate created it; an existing one is kept,
// and the columns its older versions lacked are added.
import type { Kysely, Migration } from 'kysely'
import type { RecordDialect } from '../record-dialect.js'

/**
 * Same column names and types as GORM's (SQLite: text/datetime/integer; PostgreSQL: text/timestamptz/bigint),
 * so a database this gateway created still opens in the predecessor after a rollback.
 */
export function predecessorRecords(dialect: RecordDialect): Migration {
  const postgres = dialect === 'postgres'
  const int8 = postgres ? 'bigint' : 'integer'
  const columns = [
    ['hostname', 'text'],
    ['upstream_endpoint', 'text'],
    ['upstream_sk', 'text'],
    ['created_at', postgres ? 'timestamptz' : 'datetime'],
    ['ip', 'text'],
    ['body', 'text'],
    ['model', 'text'],
    ['response', 'text'],
    ['response_time', int8],
    ['elapsed_time', int8],
    ['status', int8],
    ['authorization', 'text'],
    ['user_agent', 'text'],
    ['headers', 'text'],
  ] as const
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration runs on a database of no fixed schema, as kysely's own are written
    async up(db: Kysely<any>): Promise<void> {
      const existing = (await db.introspection.getTables()).find(
        (table) => table.name === 'records' && (!postgres || table.schema === 'public'),
      )
      if (existing === undefined) {
        let create = db.schema
          .createTable('records')
          .addColumn('id', postgres ? 'bigserial' : 'integer', (column) =>
            postgres ? column.primaryKey() : column.primaryKey().autoIncrement(),
          )
        for (const [name, type] of columns) create = create.addColumn(name, type)
        await create.execute()
        return
      }
      // The predecessor grew its Record struct over time (hostname and headers came last): add what is missing.
      const present = new Set(existing.columns.map((column) => column.name))
      for (const [name, type] of columns) {
        if (!present.has(name)) await db.schema.alterTable('records').addColumn(name, type).execute()
      }
    },
  }
}
