// SIGTERM while PostgreSQL is down: the process still exits 0 at once, its unwritten rows wait in the spill file,
// and the next start writes every one of them to PostgreSQL.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { test } from 'node:test'
import { processDeadlineMs, startGatewayProcess, within, askChats } from '../helpers/gateway-process.js'
import { postgresSkipReason } from '../helpers/postgres-test-database.js'
import { proxiedPostgresGateway } from '../helpers/proxied-postgres-gateway.js'
import { eventually } from '../helpers/recording-gateway.js'

const skip = await postgresSkipReason()

test('rows of requests served while PostgreSQL is down reach it after a SIGTERM and a new start', { skip }, async (t) => {
  // A long drain deadline: during an outage the rows must be spilled without waiting for it.
  const { database, proxy, dir, spillDir } = await proxiedPostgresGateway(t, 'flush_interval: 0.05, batch_size: 10', [
    'shutdown_timeout: 600',
  ])
  const rowCount = async (): Promise<number> =>
    Number((await database.query("select count(*) as n from records where request_id like 'down-%'"))[0]?.['n'])

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
  const ids = (await database.query("select request_id from records where request_id like 'down-%'")).map((row) =>
    String(row['request_id']),
  )
  assert.equal(new Set(ids).size, count, 'each row once')
  assert.equal(await second.stop(), 0)
})
