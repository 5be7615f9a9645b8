// A records database that cannot be opened at start: the gateway serves anyway, and says what it could not record.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { completion, json, startFakeUpstream } from '../helpers/fake-upstream.js'
import { eventually, startRecordingGateway } from '../helpers/recording-gateway.js'

test('an unusable database at start does not stop requests; the unwritten rows are counted at shutdown', async () => {
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  const gateway = await startRecordingGateway(
    ['dbtype: sqlite', 'dbaddr: /nonexistent-dir/for/records.sqlite', 'authorization: k', 'shutdown_timeout: 0.2', 'upstreams:', `  - {name: fake, endpoint: "${upstream.endpoint}"}`, ''].join('\n'),
  )
  try {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
    })
    assert.equal(response.status, 200)
    await response.text()
    await eventually(() => gateway.recording.counters().queued === 1, 'the row waits in the queue')
    await eventually(() => gateway.logs.some((line) => line.includes('records database unavailable')), 'the failure to open is logged')
  } finally {
    await gateway.shutdown()
    await upstream.close()
  }
  assert.deepEqual(gateway.recording.counters(), { queued: 0, written: 0, dropped: 1, failedBatches: 0 })
  assert.ok(gateway.logs.some((line) => line.includes('not written within 200 ms of shutdown')))
})
