// PostgreSQL going away under load: requests keep being answered, records wait in the queue and arrive on its return.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { completion, json, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../helpers/postgres-test-database.js'
import { eventually, startRecordingGateway, type RecordingGateway } from '../helpers/recording-gateway.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const skip = await postgresSkipReason()

describe('records with PostgreSQL cut off during a load', { skip }, () => {
  let database: TestDatabase
  let proxy: TcpProxy
  let upstream: FakeUpstream
  let gateway: RecordingGateway

  before(async () => {
    database = await createTestDatabase()
    proxy = await startTcpProxy(5432)
    upstream = await startFakeUpstream(json(200, completion('ok')))
    gateway = await startRecordingGateway(
      [
        'dbtype: postgres',
        `dbaddr: "host=127.0.0.1 port=${proxy.port} user=postgres dbname=${database.name} sslmode=disable"`,
        'authorization: k',
        'records: {flush_interval: 0.05, batch_size: 25, queue_size: 1000}',
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
    await proxy?.close()
    await database?.drop()
  })

  const rowCount = async (): Promise<number> => Number((await database.query('select count(*) as n from records'))[0]?.['n'])

  async function load(prefix: string, count: number): Promise<number[]> {
    const statuses: number[] = []
    // 20 clients at a time, as a small load.
    for (let start = 0; start < count; start += 20) {
      const batch = Array.from({ length: Math.min(20, count - start) }, (_, i) =>
        fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'x-request-id': `${prefix}-${start + i}` },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
        }).then(async (response) => {
          await response.text()
          return response.status
        }),
      )
      statuses.push(...(await Promise.all(batch)))
    }
    return statuses
  }

  test('every request is answered 200 during the outage, and every row arrives after it', async () => {
    assert.deepEqual(new Set(await load('before', 10)), new Set([200]))
    await eventually(async () => (await rowCount()) === 10, 'the first rows are written')

    proxy.cut()
    const during = await load('during', 200)
    assert.deepEqual(new Set(during), new Set([200]), 'the outage does not reach the clients')
    await eventually(() => gateway.recording.counters().failedBatches > 0, 'a batch write has failed')
    assert.equal(await rowCount(), 10, 'nothing could be written through the cut')
    assert.equal(gateway.recording.counters().queued, 200)

    proxy.restore()
    await eventually(async () => (await rowCount()) === 210, 'the queued rows arrive', 60_000)
    const ids = (await database.query("select request_id from records where request_id like 'during-%'")).map((row) =>
      String(row['request_id']),
    )
    assert.equal(new Set(ids).size, 200, 'each request once')
    const counters = gateway.recording.counters()
    assert.equal(counters.dropped, 0)
    assert.equal(counters.written, 210)
    assert.equal(counters.queued, 0)
  })
})
