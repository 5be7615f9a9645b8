// The SQLite file on a disk that fills up (a small tmpfs), the spill directory elsewhere: every served request's
// row ends up in the database, directly or through the spill file once space returns, and the outage is one line.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { completion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { eventually, startRecordingGateway, type RecordingGateway } from '../helpers/recording-gateway.js'

const mountPoint = mkdtempSync(join(tmpdir(), 'oar-small-disk-'))

/** A 1 MiB tmpfs, or the reason it cannot be had (not root, no mount in this sandbox). */
function mountSmallDisk(): string | false {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'oar-records-test', mountPoint], { stdio: 'pipe' })
    return false
  } catch (error) {
    rmSync(mountPoint, { recursive: true, force: true })
    const reason = `a small tmpfs cannot be mounted here (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): skipped`
    if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(reason.replace(': skipped', ''))
    return reason
  }
}

const skip = mountSmallDisk()

describe('records on a disk that fills up', { skip }, () => {
  const spillDir = mkdtempSync(join(tmpdir(), 'oar-spill-'))
  const dbPath = join(mountPoint, 'records.sqlite')
  let upstream: FakeUpstream
  let gateway: RecordingGateway

  before(async () => {
    upstream = await startFakeUpstream(json(200, completion('ok')))
    gateway = await startRecordingGateway(
      [
        'dbtype: sqlite',
        `dbaddr: "${dbPath}"`,
        'authorization: k',
        // Rows wait in memory for the spill file up to twice queue_size: 200 of the 300 leaves the file time to be
        // written on a busy machine, and a full queue during the outage still sends rows to it.
        `records: {flush_interval: 0.05, batch_size: 20, queue_size: 100, spill_dir: "${spillDir}"}`,
        'upstreams:',
        `  - {name: fake, endpoint: "${upstream.endpoint}"}`,
        '',
      ].join('\n'),
    )
    await gateway.recording.ready
  })

  after(async () => {
    await gateway?.shutdown()
    await upstream?.close()
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' })
    } finally {
      rmSync(mountPoint, { recursive: true, force: true })
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  test('rows that do not fit go to the spill file and reach the database once space returns; none is dropped', async () => {
    const count = 300
    // ~8 KB per request body: 300 of them are more than twice the disk.
    const content = 'x'.repeat(8000)
    for (let start = 0; start < count; start += 10) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fetch(`${gateway.baseURL}/chat/completions`, {
            method: 'POST',
            headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'x-request-id': `full-${start + i}` },
            body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
          }).then(async (response) => {
            await response.text()
            return response.status
          }),
        ),
      )
      assert.deepEqual(new Set(statuses), new Set([200]))
    }
    await eventually(() => gateway.recording.counters().spilled > 0, 'rows are spilled while the disk is full', 30_000)
    const during = gateway.recording.counters()
    assert.equal(during.dropped, 0, 'no row dropped while the spill file has room')
    assert.ok(during.written < count, 'the disk could not take every row')

    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint], { stdio: 'pipe' })
    await eventually(() => gateway.recording.counters().written === count, 'every row is written once space returns', 60_000)
    await eventually(() => readdirSync(spillDir).length === 0, 'the spill files are removed once their rows are committed')

    const file = new Database(dbPath, { readonly: true })
    try {
      const ids = (
        file.prepare("select request_id from records where request_id like 'full-%'").all() as Array<{ request_id: string }>
      ).map((row) => row.request_id)
      assert.equal(ids.length, count, 'each row once')
      assert.equal(new Set(ids).size, count)
    } finally {
      file.close()
    }
    assert.equal(gateway.recording.counters().dropped, 0)
    const outageLines = gateway.logs.filter((line) => line.includes('cannot take rows'))
    assert.equal(outageLines.length, 1, 'the outage is logged once')
    assert.equal(gateway.logs.filter((line) => line.includes('takes rows again')).length, 1, 'and its end once')
    assert.equal(gateway.logs.filter((line) => line.includes('refused a record')).length, 0, 'no row is treated as a bad row')
  })
})
