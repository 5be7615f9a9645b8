// The numbered migrations of the records schema, in order; a database at any earlier version is brought up to the last.
import type { Migration } from 'kysely'
import type { RecordDialect } from '../record-dialect.js'
import { predecessorRecords } from './0001-predecessor-records.js'
import { requestColumns } from './0002-request-columns.js'
import { upstreamModel } from './0003-upstream-model.js'
import { keySpend } from './0004-key-spend.js'

/** Names sort in the order they run. Never rename or edit an applied migration: add the next number. */
export function recordMigrations(dialect: RecordDialect): Record<string, Migration> {
  return {
    '0001_predecessor_records': predecessorRecords(dialect),
    '0002_request_columns': requestColumns(dialect),
    '0003_upstream_model': upstreamModel(),
    '0004_key_spend': keySpend(dialect),
  }
}
