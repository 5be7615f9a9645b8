// Migration 0002: the columns this gateway adds to `records` (attempts, timings, bytes, tokens, ids) and its indexes.
import type { Kysely, Migration } from 'kysely'
import type { RecordDialect } from '../record-dialect.js'

export function requestColumns(dialect: RecordDialect): Migration {
  const postgres = dialect === 'postgres'
  const int8 = postgres ? 'bigint' : 'integer'
  const float = postgres ? 'double precision' : 'real'
  const columns = [
    ['record_uid', 'text'],
    ['request_id', 'text'],
    ['method', 'text'],
    ['path', 'text'],
    ['stream', postgres ? 'boolean' : 'integer'],
    ['upstream', 'text'],
    ['attempts', 'text'],
    ['error_code', 'text'],
    ['first_byte_ms', float],
    ['total_ms', float],
    ['bytes_in', int8],
    ['bytes_out', int8],
    ['prompt_tokens', 'integer'],
    ['completion_tokens', 'integer'],
    ['total_tokens', 'integer'],
    ['usage_source', 'text'],
  ] as const
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration runs on a database of no fixed schema, as kysely's own are written
    async up(db: Kysely<any>): Promise<void> {
      // One statement per column: SQLite's ALTER TABLE adds one at a time. All are nullable, so the
      // predecessor's rows (and a predecessor still writing during a rollout) need no values for them.
      for (const [name, type] of columns) await db.schema.alterTable('records').addColumn(name, type).execute()
      // NULLs are distinct in a unique index in both databases, so the predecessor's rows do not collide.
      await db.schema.createIndex('records_record_uid').ifNotExists().unique().on('records').column('record_uid').execute()
      await db.schema.createIndex('records_created_at').ifNotExists().on('records').column('created_at').execute()
      await db.schema.createIndex('records_request_id').ifNotExists().on('records').column('request_id').execute()
    },
  }
}
