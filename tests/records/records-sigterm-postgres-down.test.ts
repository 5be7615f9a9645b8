// SIGTERM while PostgreSQL is down: the process still exits 0 at once, its unwritten rows wait in the spill file,
// and the next start writes every one of them to PostgreSQL.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { completion, json, startFakeUpstream } from '../helpers/fake-upstream.js'
import { processDeadlineMs, startGatewayProcess, within, askChats } from '../helpers/gateway-process.js'
import { createTestDatabase, postgresSkipReason } from '../helpers/postgres-test-database.js'
import { eventually } from '../helpers/recording-gateway.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

const skip = await postgresSkipReason()

test('rows of requests served while PostgreSQL is down reach it after a SIGTERM and a new start', { skip }, async (t) => {
  const database = await createTestDatabase()
  t.after(() => database.drop())
  const proxy = await startTcpProxy(5432)
  t.after(() => proxy.close())
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  t.after(() => upstream.close())
  const dir = mkdtempSync(join(tmpdir(), 'oar-sigterm-pg-'))
  const spillDir = join(dir, 'spill')
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      'address: "127.0.0.1:0"',
      'authorization: k',
      'dbtype: postgres',
      `dbaddr: "host=127.0.0.1 port=${proxy.port} user=postgres dbname=${database.name} sslmode=disable connect_timeout=2"`,
      // A long drain deadline: during an outage the rows must be spilled without waiting for it.
      'shutdown_timeout: 600',
      `records: {flush_interval: 0.05, batch_size: 10, spill_dir: "${spillDir}"}`,
      'upstreams:',
      `  - {name: fake, endpoint: "${upstream.endpoint}"}`,
      '',
    ].join('\n'),
  )
  const rowCount = async (): Promise<number> => Number((await database.query("select count(*) as n from records where request_id like 'down-%'"))[0]?.['n'])

  const first = await startGatewayProcess(t, [], dir)
  await eventually(async () => (await fetch(`${first.url}/readyz`)).status === 200, 'the first start connects', processDeadlineMs)
  proxy.cut()
  const count = 40
  await askChats(first.url, 'down-', count)
  await first.stderrLine(/cannot take rows/)
  assert.equal(await within(first.stop(), processDeadlineMs, 'the exit after SIGTERM'), 0)
  assert.match(first.stderr(), /spilled, to be written at the next start/)
  assert.match(first.stderr(), /"spilled":40,"dropped":0/)
  assert.doesNotMatch(first.stderr(), /records dropped/)
  assert.ok(readdirSync(spillDir).length > 0, 'the rows wait on disk')
  assert.equal(await rowCount(), 0)

  proxy.restore()
  const second = await startGatewayProcess(t, [], dir)
  await eventually(async () => (await rowCount()) === count, 'every row reaches PostgreSQL after the new start', processDeadlineMs)
  await eventually(() => readdirSync(spillDir).length === 0, 'the spill file is removed once its rows are committed')
  const ids = (await database.query("select request_id from records where request_id like 'down-%'")).map((row) => String(row['request_id']))
  assert.equal(new Set(ids).size, count, 'each row once')
  assert.equal(await second.stop(), 0)
})
