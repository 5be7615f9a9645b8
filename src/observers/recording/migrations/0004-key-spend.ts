// Migration 0004: `key_name` (a named key's name, `keys:`) and `cost_usd` (the request's cost from `prices:`), and the
// index the spend query reads when the gateway rebuilds each key's budget from the records at start.
import { sql, type Kysely, type Migration } from 'kysely'
import type { RecordDialect } from '../record-dialect.js'

export function keySpend(dialect: RecordDialect): Migration {
  const float = dialect === 'postgres' ? 'double precision' : 'real'
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration runs on a database of no fixed schema, as kysely's own are written
    async up(db: Kysely<any>): Promise<void> {
      // Nullable: predecessor keys, older rows and an earlier version still writing during a rollout leave them empty.
      await db.schema.alterTable('records').addColumn('key_name', 'text').execute()
      await db.schema.alterTable('records').addColumn('cost_usd', float).execute()
      // Partial: only named keys' rows are spend, so the index stays as small as they are; per key, a range of time.
      await db.schema
        .createIndex('records_key_name_created_at')
        .ifNotExists()
        .on('records')
        .columns(['key_name', 'created_at'])
        .where(sql.ref('key_name'), 'is not', null)
        .execute()
    },
  }
}
