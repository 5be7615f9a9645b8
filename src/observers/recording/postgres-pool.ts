// Creates the PostgreSQL connection pool for records: the one module that imports pg.
import pg from 'pg'
import type { PostgresPool } from 'kysely'
import type { PostgresAddress } from '../../config/postgres-address.js'

/** The slice of pg's Pool that records use: kysely's interface, plain queries for test set-up, and errors. */
export interface RecordsPostgresPool extends PostgresPool {
  query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>
  on(event: 'error', listener: (error: Error) => void): unknown
}

export interface PostgresPoolOptions {
  readonly maxConnections?: number
  /** A query that takes longer fails, so a half-open connection cannot hold the writer forever. */
  readonly queryTimeoutMs?: number
  /** Called for errors of idle connections (the server went away); pg would otherwise crash the process. */
  readonly onIdleError: (error: Error) => void
}

export function createPostgresPool(address: PostgresAddress, options: PostgresPoolOptions): RecordsPostgresPool {
  const settings = Object.entries(address.settings)
  const pool = new pg.Pool({
    host: address.host,
    port: address.port,
    user: address.user,
    password: address.password,
    database: address.database,
    ssl: address.ssl === false ? false : { rejectUnauthorized: address.ssl.rejectUnauthorized },
    application_name: address.applicationName ?? 'openai-api-route',
    options: settings.length === 0 ? undefined : settings.map(([key, value]) => `-c ${key}=${value.replace(/[\\ ]/g, '\\$&')}`).join(' '),
    connectionTimeoutMillis: address.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    max: options.maxConnections ?? 4,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  })
  pool.on('error', options.onIdleError)
  return pool
}
