// A process killed without a shutdown (kill -9) while PostgreSQL is down: the rows already in the spill file all
// reach PostgreSQL after the next start, and what is lost is within the documented bound (its in-memory queue:
// queue_size rows, and as many again on their way to the spill file).
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { processDeadlineMs, startGatewayProcess, askChats } from '../helpers/gateway-process.js'
import { postgresSkipReason } from '../helpers/postgres-test-database.js'
import { proxiedPostgresGateway } from '../helpers/proxied-postgres-gateway.js'
import { eventually } from '../helpers/recording-gateway.js'

const skip = await postgresSkipReason()

/** Whole rows in the spill files (a line cut by the kill is not a row). */
function spilledRows(dir: string): number {
  let rows = 0
  if (!existsSync(dir)) return 0
  for (const name of readdirSync(dir)) rows += (readFileSync(join(dir, name), 'utf8').match(/\n/g) ?? []).length
  return rows
}

test(
  'kill -9 while PostgreSQL is down: every spilled row reaches it after a new start, and at most the queue is lost',
  { skip },
  async (t) => {
    const queueSize = 10
    const { database, proxy, dir, spillDir } = await proxiedPostgresGateway(
      t,
      `flush_interval: 0.05, batch_size: 5, queue_size: ${queueSize}`,
    )
    const rowIds = async (): Promise<string[]> =>
      (await database.query("select request_id from records where request_id like 'killed-%'")).map((row) => String(row['request_id']))

    const first = await startGatewayProcess(t, [], dir)
    await eventually(async () => (await fetch(`${first.url}/readyz`)).status === 200, 'the first start connects', processDeadlineMs)
    proxy.cut()
    const count = 40
    await askChats(first.url, 'killed-', count)
    await first.stderrLine(/cannot take rows/)
    // Rows past the queue go to the spill file: wait until all but the bound are there, then kill.
    await eventually(() => spilledRows(spillDir) >= count - 2 * queueSize, 'the rows past the queue are spilled', processDeadlineMs)
    first.child.kill('SIGKILL')
    assert.equal(await first.exited, null)
    const spilled = spilledRows(spillDir)

    proxy.restore()
    const second = await startGatewayProcess(t, [], dir)
    await eventually(
      async () => (await rowIds()).length === spilled,
      'every spilled row reaches PostgreSQL after the new start',
      processDeadlineMs,
    )
    await eventually(() => readdirSync(spillDir).length === 0, 'the spill files are removed once their rows are committed')
    const ids = await rowIds()
    assert.equal(new Set(ids).size, ids.length, 'each row once')
    assert.ok(count - ids.length <= 2 * queueSize, `lost ${count - ids.length} rows, more than the bound`)
    assert.equal(await second.stop(), 0)
  },
)
