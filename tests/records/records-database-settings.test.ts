// Unusable records-database settings against an outage: `check` and the start name the first; the second lets
// the gateway serve, with /readyz at 503 until the database answers. And `--workers` migrates a new SQLite file once.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { childEnv, runGateway, startGatewayProcess } from '../helpers/gateway-process.js'
import { completion, json, startFakeUpstream } from '../helpers/fake-upstream.js'
import { createTestDatabase, postgresSkipReason } from '../helpers/postgres-test-database.js'
import { eventually } from '../helpers/recording-gateway.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

const pgSkip = await postgresSkipReason()

function configDir(t: TestContext, db: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oar-db-settings-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:0"\nauthorization: k\n${db}\nupstreams:\n  - {name: fake, endpoint: "http://127.0.0.1:9/v1"}\n`,
  )
  return dir
}

/** The start's one line on stderr: a JSON error line (the gateway was starting to run), its message returned. */
function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line: ${stderr}`)
  const line = JSON.parse(lines[0] as string) as { level?: unknown; msg?: unknown }
  assert.equal(line.level, 'error')
  assert.equal(typeof line.msg, 'string')
  return line.msg as string
}

test('check and the start name a SQLite path whose directory does not exist', async (t) => {
  const dir = configDir(t, 'dbtype: sqlite\ndbaddr: ./missing/records.sqlite')
  const checked = await runGateway(['check'], dir)
  assert.equal(checked.code, 1)
  assert.match(checked.stderr, /records database: the directory of the SQLite file .*missing\/records\.sqlite does not exist/)
  for (const workers of ['1', '2']) {
    const started = await runGateway(['--workers', workers], dir)
    assert.equal(started.code, 1)
    assert.equal(started.stdout, '', 'never listening')
    assert.match(oneErrorLine(started.stderr), /^records database: the directory of the SQLite file .* does not exist$/)
  }
})

/**
 * A read-only tmpfs, or the reason it cannot be had. Permission bits would not do: the suite may run as root, which
 * writes through them, but not onto a read-only mount.
 */
function mountReadOnly(t: TestContext): string | { readonly skip: string } {
  const mountPoint = mkdtempSync(join(tmpdir(), 'oar-read-only-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'oar-read-only-test', mountPoint], { stdio: 'pipe' })
  } catch (error) {
    rmSync(mountPoint, { recursive: true, force: true })
    const reason = `a read-only tmpfs cannot be mounted here (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`
    if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(reason)
    return { skip: `${reason}: skipped` }
  }
  t.after(() => {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' })
    } finally {
      rmSync(mountPoint, { recursive: true, force: true })
    }
  })
  return mountPoint
}

test('check and the start name a SQLite path whose directory is not writable (a read-only mount)', async (t) => {
  const readOnly = mountReadOnly(t)
  if (typeof readOnly !== 'string') {
    t.skip(readOnly.skip)
    return
  }
  const dir = configDir(t, `dbtype: sqlite\ndbaddr: "${join(readOnly, 'records.sqlite')}"`)
  const checked = await runGateway(['check'], dir)
  assert.equal(checked.code, 1)
  assert.match(checked.stderr, /records database: the directory of the SQLite file .*records\.sqlite is not writable/)
  const started = await runGateway(['--workers', '1'], dir)
  assert.equal(started.code, 1)
  assert.equal(started.stdout, '', 'never listening')
  assert.match(oneErrorLine(started.stderr), /^records database: the directory of the SQLite file .* is not writable$/)
})

test('check names a SQLite path whose directory is a file', async (t) => {
  const dir = configDir(t, 'dbtype: sqlite\ndbaddr: ./afile/records.sqlite')
  writeFileSync(join(dir, 'afile'), '')
  const checked = await runGateway(['check'], dir)
  assert.equal(checked.code, 1)
  assert.match(checked.stderr, /is not a directory/)
})

test('check --connect names a PostgreSQL login that is refused, and a database that does not exist', { skip: pgSkip }, async (t) => {
  const badLogin = configDir(
    t,
    'dbtype: postgres\ndbaddr: "host=127.0.0.1 port=5432 user=no_such_role_oar dbname=postgres sslmode=disable"',
  )
  const login = await runGateway(['check', '--connect'], badLogin)
  assert.equal(login.code, 1)
  assert.match(login.stderr, /refuses the login of user no_such_role_oar/)
  const started = await runGateway(['--workers', '1'], badLogin)
  assert.equal(started.code, 1)
  assert.match(oneErrorLine(started.stderr), /^records database: .*refuses the login/)

  const noDb = configDir(t, 'dbtype: postgres\ndbaddr: "host=127.0.0.1 port=5432 user=postgres dbname=oar_no_such_db_x sslmode=disable"')
  const missing = await runGateway(['check', '--connect'], noDb)
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /has no database oar_no_such_db_x/)
  assert.equal((await runGateway(['check'], noDb)).code, 0, 'without --connect PostgreSQL is not reached')
})

test('a missing PostgreSQL database is created at start, and records are written to it', { skip: pgSkip }, async (t) => {
  // A name no database has: the gateway must create it.
  const database = { name: `openai_api_route_test_created_${process.pid}_${Date.now()}` }
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  t.after(() => upstream.close())
  const dir = configDir(
    t,
    `dbtype: postgres\ndbaddr: "host=127.0.0.1 port=5432 user=postgres dbname=${database.name} sslmode=disable"\nrecords: {flush_interval: 0.05}`,
  )
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:0"\nauthorization: k\ndbtype: postgres\ndbaddr: "host=127.0.0.1 port=5432 user=postgres dbname=${database.name} sslmode=disable"\nrecords: {flush_interval: 0.05}\nupstreams:\n  - {name: fake, endpoint: "${upstream.endpoint}"}\n`,
  )
  const gw = await startGatewayProcess(t, [], dir)
  await gw.stderrLine(/had no database .*: created/)
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
  })
  assert.equal(response.status, 200)
  await response.text()
  const fresh = await createTestDatabaseNamed(database.name)
  t.after(async () => {
    await fresh.end()
    const admin = await createTestDatabaseNamed('postgres')
    await admin.query(`drop database if exists ${database.name} with (force)`)
    await admin.end()
  })
  await eventually(async () => (await fresh.count()) === 1, 'the row reaches the created database')
  assert.equal(await gw.stop(), 0)
})

test(
  'a PostgreSQL that cannot be reached lets the gateway start and serve, with /readyz at 503 until it connects',
  { skip: pgSkip },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const proxy = await startTcpProxy(5432)
    t.after(() => proxy.close())
    proxy.cut()
    const upstream = await startFakeUpstream(json(200, completion('ok')))
    t.after(() => upstream.close())
    const spill = mkdtempSync(join(tmpdir(), 'oar-spill-'))
    t.after(() => rmSync(spill, { recursive: true, force: true }))
    const dir = mkdtempSync(join(tmpdir(), 'oar-db-settings-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(
      join(dir, 'config.yaml'),
      `address: "127.0.0.1:0"\nauthorization: k\ndbtype: postgres\ndbaddr: "host=127.0.0.1 port=${proxy.port} user=postgres dbname=${database.name} sslmode=disable connect_timeout=2"\nrecords: {flush_interval: 0.05, spill_dir: "${spill}"}\nupstreams:\n  - {name: fake, endpoint: "${upstream.endpoint}"}\n`,
    )
    const gw = await startGatewayProcess(t, [], dir, childEnv())
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 503)
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
    })
    assert.equal(response.status, 200, 'served while the database is unreachable')
    await response.text()
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 503)
    proxy.restore()
    await eventually(async () => (await fetch(`${gw.url}/readyz`)).status === 200, '/readyz once the database answers', 60_000)
    await eventually(
      async () => Number((await database.query('select count(*) as n from records'))[0]?.['n']) === 1,
      'the row arrives',
      60_000,
    )
    assert.equal(await gw.stop(), 0)
  },
)

test('--workers 2 on a new SQLite file: the schema is migrated once, with no duplicate-column error', async (t) => {
  const dir = configDir(t, 'dbtype: sqlite\ndbaddr: ./records.sqlite')
  const gw = await startGatewayProcess(t, ['--workers', '2'], dir, childEnv({ LOG_LEVEL: 'info' }))
  await eventually(() => gw.stderr().includes('records schema migrated'), 'the migration line')
  assert.equal(await gw.stop(), 0)
  const log = gw.stderr()
  assert.doesNotMatch(log, /duplicate column/)
  assert.doesNotMatch(log, /"level":"error"/)
  assert.equal(log.split('\n').filter((line) => line.includes('records schema migrated')).length, 1, 'migrated by one process')
})

/** A second connection to a database created by someone else, for counting rows. */
async function createTestDatabaseNamed(
  name: string,
): Promise<{ count(): Promise<number>; query(text: string): Promise<unknown>; end(): Promise<void> }> {
  const { createPostgresPool } = await import('../../src/observers/recording/postgres-pool.js')
  const pool = createPostgresPool(
    {
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: name,
      ssl: false,
      connectTimeoutMs: 3000,
      applicationName: undefined,
      settings: {},
    },
    { maxConnections: 1, onIdleError: () => undefined },
  )
  return {
    count: async () => Number((await pool.query('select count(*) as n from records').catch(() => ({ rows: [{ n: -1 }] }))).rows[0]?.['n']),
    query: (text) => pool.query(text),
    end: () => pool.end(),
  }
}
