// A gateway process's config whose records go to a fresh PostgreSQL database through a TCP proxy that a test can
// cut and restore, so PostgreSQL goes "down" for this gateway alone; its spill files in a directory of their own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { completion, json, startFakeUpstream } from './fake-upstream.js'
import { createTestDatabase, type TestDatabase } from './postgres-test-database.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

export interface ProxiedPostgresGateway {
  readonly database: TestDatabase
  readonly proxy: TcpProxy
  /** Holds config.yaml: the working directory to start the gateway in. */
  readonly dir: string
  readonly spillDir: string
}

/**
 * `records` is the flow map of the `records:` key without `spill_dir` (added here); `extra` are more top-level
 * lines. Everything is removed when the test ends.
 */
export async function proxiedPostgresGateway(
  t: TestContext,
  records: string,
  extra: readonly string[] = [],
): Promise<ProxiedPostgresGateway> {
  const database = await createTestDatabase()
  t.after(() => database.drop())
  const proxy = await startTcpProxy(5432)
  t.after(() => proxy.close())
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  t.after(() => upstream.close())
  const dir = mkdtempSync(join(tmpdir(), 'oar-proxied-pg-'))
  const spillDir = join(dir, 'spill')
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      'address: "127.0.0.1:0"',
      'authorization: k',
      'dbtype: postgres',
      `dbaddr: "host=127.0.0.1 port=${proxy.port} user=postgres dbname=${database.name} sslmode=disable connect_timeout=2"`,
      ...extra,
      `records: {${records}, spill_dir: "${spillDir}"}`,
      'upstreams:',
      `  - {name: fake, endpoint: "${upstream.endpoint}"}`,
      '',
    ].join('\n'),
  )
  return { database, proxy, dir, spillDir }
}
