// Throwaway PostgreSQL databases for tests on the machine's server (127.0.0.1:5432, user postgres), dropped afterwards.
import { randomBytes } from 'node:crypto'
import { parsePostgresAddress } from '../../src/config/postgres-address.js'
import { createPostgresPool, type RecordsPostgresPool } from '../../src/observers/recording/postgres-pool.js'

const serverUrl = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432'

export interface TestDatabase {
  /** A postgres:// URL of the new, empty database. */
  readonly url: string
  readonly name: string
  /** Plain queries against it (fixtures, checks). */
  query(text: string): Promise<Array<Record<string, unknown>>>
  drop(): Promise<void>
}

/**
 * false when the server answers. Otherwise the reason to skip, unless REQUIRE_SERVICES=1: then false too,
 * so the suite runs and fails on the connection instead of passing by skipping.
 */
export async function postgresSkipReason(): Promise<string | false> {
  const pool = adminPool()
  try {
    await pool.query('select 1')
    return false
  } catch (error) {
    if (process.env['REQUIRE_SERVICES'] === '1') return false
    return `PostgreSQL at ${serverUrl} is unreachable (${error instanceof Error ? error.message : String(error)}): skipped`
  } finally {
    await pool.end()
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `openai_api_route_test_${randomBytes(6).toString('hex')}`
  const admin = adminPool()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = `${serverUrl}/${name}`
  const pool = poolFor(url)
  return {
    url,
    name,
    query: async (text) => (await pool.query(text)).rows,
    async drop() {
      await pool.end()
      const dropper = adminPool()
      try {
        await dropper.query(`drop database if exists ${name} with (force)`)
      } finally {
        await dropper.end()
      }
    },
  }
}

function adminPool(): RecordsPostgresPool {
  return poolFor(`${serverUrl}/postgres`)
}

function poolFor(url: string): RecordsPostgresPool {
  const address = parsePostgresAddress(url)
  if (address === undefined) throw new Error(`TEST_POSTGRES_URL is not a postgres:// URL: ${url}`)
  return createPostgresPool(
    { ...address, connectTimeoutMs: address.connectTimeoutMs ?? 3000 },
    { maxConnections: 1, onIdleError: () => {} },
  )
}
