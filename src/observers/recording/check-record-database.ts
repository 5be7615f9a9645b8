// Tells unusable records-database settings (a SQLite directory that is missing or read-only, a refused login, a
// missing database) from an outage, for `check` and for the start, which stops on the first and not the second.
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { GatewayConfig } from '../../config/gateway-config.js'
import { parsePostgresAddress, type PostgresAddress } from '../../config/postgres-address.js'
import { createPostgresPool } from './postgres-pool.js'

export type DatabaseCheck =
  | { readonly kind: 'ok' }
  /** Settings no retry can fix: the gateway must not start on them. */
  | { readonly kind: 'unusable'; readonly message: string }
  /** Nothing answers now: the gateway starts and keeps trying. */
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'created'; readonly message: string }

export interface CheckOptions {
  /** PostgreSQL: log in (and find the database); without it only SQLite paths are checked. */
  readonly connect: boolean
  /** Create a missing PostgreSQL database when the user may (at start; `check` only reports it). */
  readonly createDatabase: boolean
  /** Bound on a connection attempt; default 3 s. */
  readonly connectTimeoutMs?: number
}

export async function checkRecordDatabase(config: GatewayConfig, options: CheckOptions): Promise<DatabaseCheck> {
  switch (config.dbType) {
    case 'none':
      return { kind: 'ok' }
    case 'sqlite':
      return checkSqlitePath(resolve(config.dbAddr))
    case 'postgres': {
      if (!options.connect) return { kind: 'ok' }
      const address = parsePostgresAddress(config.dbAddr)
      if (address === undefined) return { kind: 'unusable', message: 'dbaddr is not a PostgreSQL address' }
      return checkPostgres(address, options)
    }
  }
}

async function checkSqlitePath(path: string): Promise<DatabaseCheck> {
  const dir = dirname(path)
  const dirStat = await stat(dir).catch(() => undefined)
  if (dirStat === undefined) return { kind: 'unusable', message: `the directory of the SQLite file ${path} does not exist` }
  if (!dirStat.isDirectory()) return { kind: 'unusable', message: `the directory of the SQLite file ${path} is not a directory` }
  // The file, its -wal and -shm files are created beside it: the directory must be writable, and the file if there.
  if (!(await writable(dir))) return { kind: 'unusable', message: `the directory of the SQLite file ${path} is not writable` }
  const fileStat = await stat(path).catch(() => undefined)
  if (fileStat !== undefined && (!fileStat.isFile() || !(await writable(path))))
    return { kind: 'unusable', message: `the SQLite file ${path} is not a writable file` }
  return { kind: 'ok' }
}

function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  )
}

async function checkPostgres(address: PostgresAddress, options: CheckOptions): Promise<DatabaseCheck> {
  const where = `PostgreSQL at ${address.host ?? 'localhost'}:${address.port ?? 5432}`
  const error = await tryQuery(address, options)
  if (error === undefined) return { kind: 'ok' }
  const code = (error as { code?: unknown }).code
  if (code === '28P01' || code === '28000')
    return { kind: 'unusable', message: `${where} refuses the login of user ${address.user ?? '(default)'}: ${error.message}` }
  if (code !== '3D000') return { kind: 'unreachable', message: `${where} cannot be reached: ${error.message}` }
  const database = address.database ?? address.user ?? ''
  if (!options.createDatabase)
    return { kind: 'unusable', message: `${where} has no database ${database} (the gateway creates it at start when its user may)` }
  const createError = await tryQuery({ ...address, database: 'postgres' }, options, `create database ${quoteIdentifier(database)}`)
  if (createError === undefined) return { kind: 'created', message: `${where} had no database ${database}: created` }
  return { kind: 'unusable', message: `${where} has no database ${database}, and it could not be created: ${createError.message}` }
}

async function tryQuery(address: PostgresAddress, options: CheckOptions, text = 'select 1'): Promise<Error | undefined> {
  const pool = createPostgresPool(
    { ...address, connectTimeoutMs: Math.min(address.connectTimeoutMs ?? Number.POSITIVE_INFINITY, options.connectTimeoutMs ?? 3000) },
    { maxConnections: 1, onIdleError: () => undefined },
  )
  try {
    await pool.query(text)
    return undefined
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  } finally {
    await pool.end().catch(() => undefined)
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
