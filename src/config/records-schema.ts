// The `records:` section: what each request record keeps, and how the record writer batches and retains rows.
import { z } from 'zod'
import { byteSizeSchema, secondsSchema, yamlMap } from './value-schemas.js'

export const recordsDefaults = Object.freeze({
  store_request_body: true,
  store_response: true,
  store_headers: true,
  /** The predecessor cut stored request bodies at 128 KiB. */
  max_stored_size: 128 * 1024,
  redact_headers: [] as readonly string[],
  /** 0: keep rows forever, as the predecessor did. */
  retention_days: 0,
  queue_size: 10_000,
  /** Rows with 128 KiB bodies and answers are large: the queue is bounded in bytes too. */
  queue_bytes: 64 * 1024 * 1024,
  batch_size: 200,
  flush_interval: 1,
  /** Rows the database cannot take wait on disk up to this many bytes. */
  spill_bytes: 1024 * 1024 * 1024,
})

/** Header names that are always redacted, whatever `redact_headers` says: they carry keys or sessions. */
export const alwaysRedactedHeaders: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
])

const headerNameSchema = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name such as x-my-token')
  .transform((name) => name.toLowerCase())

// A row holds ~30 values; 500 rows stay under SQLite's 32,766 bound parameters per statement.
const maxBatchSize = 500

export const recordsSchema = yamlMap(
  z.strictObject({
    store_request_body: z.boolean().default(recordsDefaults.store_request_body),
    store_response: z.boolean().default(recordsDefaults.store_response),
    store_headers: z.boolean().default(recordsDefaults.store_headers),
    max_stored_size: byteSizeSchema.default(recordsDefaults.max_stored_size),
    redact_headers: z.array(headerNameSchema).default([]),
    retention_days: z.number().min(0, 'must be 0 (keep forever) or more days').default(recordsDefaults.retention_days),
    queue_size: z.number().int('must be a whole number').min(1, 'must be at least 1').default(recordsDefaults.queue_size),
    queue_bytes: byteSizeSchema.default(recordsDefaults.queue_bytes),
    batch_size: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(maxBatchSize, `must be at most ${maxBatchSize}`)
      .default(recordsDefaults.batch_size),
    flush_interval: secondsSchema.default(recordsDefaults.flush_interval),
    /** Default: beside the SQLite file, else the working directory. */
    spill_dir: z.string().min(1, 'must be a directory path').optional(),
    spill_bytes: byteSizeSchema.default(recordsDefaults.spill_bytes),
  }),
)

export type RawRecords = z.output<typeof recordsSchema>
