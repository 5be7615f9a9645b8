// The records table as the query layer sees it: the predecessor's columns, then the ones this gateway adds.
import type { ColumnType, Generated } from 'kysely'

/** Driver values differ: SQLite returns text and integers, pg returns Date and booleans (the store reads both). */
type Timestamp = ColumnType<Date | string, Date | string, Date | string>
/** pg returns int8 as a string at run time; the store converts every read with Number(). */
type Int8 = number
type Flag = ColumnType<boolean | number, boolean | number, boolean | number>

export interface RecordsTable {
  // The predecessor's columns (GORM AutoMigrate of its Record struct).
  id: Generated<Int8>
  hostname: string | null
  upstream_endpoint: string | null
  /** The predecessor stored the upstream key; now its fingerprint, `asis`, or ''. */
  upstream_sk: string | null
  created_at: Timestamp | null
  ip: string | null
  body: string | null
  model: string | null
  response: string | null
  /** Nanoseconds until the first response byte (the predecessor: until response headers). */
  response_time: Int8 | null
  /** Nanoseconds until the response ended. */
  elapsed_time: Int8 | null
  status: Int8 | null
  /** The predecessor stored the client's Authorization header; now the key's fingerprint. */
  authorization: string | null
  user_agent: string | null
  headers: string | null
  // Added by migration 0002.
  record_uid: string | null
  request_id: string | null
  method: string | null
  path: string | null
  stream: Flag | null
  upstream: string | null
  attempts: string | null
  error_code: string | null
  first_byte_ms: number | null
  total_ms: number | null
  bytes_in: Int8 | null
  bytes_out: Int8 | null
  prompt_tokens: number | null
  completion_tokens: number | null
  total_tokens: number | null
  usage_source: string | null
  // Added by migration 0003.
  upstream_model: string | null
  // Added by migration 0004.
  /** A named key's name (`keys:`); null for predecessor keys and requests without a key. */
  key_name: string | null
  /** USD from `prices:`; null when the usage or the model's price is unknown. */
  cost_usd: number | null
}

export interface RecordTables {
  records: RecordsTable
}
