// A records database that cannot be opened once running: the gateway serves anyway, and keeps the rows on disk.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { completion, json, startFakeUpstream } from '../helpers/fake-upstream.js'
import { eventually, startRecordingGateway } from '../helpers/recording-gateway.js'

test('a database that cannot be opened does not stop requests; the unwritten rows are spilled at shutdown', async (t) => {
  const spillDir = mkdtempSync(join(tmpdir(), 'oar-spill-'))
  t.after(() => rmSync(spillDir, { recursive: true, force: true }))
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  const gateway = await startRecordingGateway(
    [
      'dbtype: sqlite',
      'dbaddr: /nonexistent-dir/for/records.sqlite',
      'authorization: k',
      'shutdown_timeout: 0.2',
      `records: {spill_dir: "${spillDir}"}`,
      'upstreams:',
      `  - {name: fake, endpoint: "${upstream.endpoint}"}`,
      '',
    ].join('\n'),
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
    await eventually(() => gateway.logs.some((line) => line.includes('cannot take rows')), 'the failure to open is logged')
  } finally {
    await gateway.shutdown()
    await upstream.close()
  }
  assert.deepEqual(gateway.recording.counters(), { queued: 0, written: 0, dropped: 0, failedBatches: 0, spilled: 1 })
  const files = readdirSync(spillDir)
  assert.equal(files.length, 1)
  const lines = readFileSync(join(spillDir, files[0] as string), 'utf8')
    .trim()
    .split('\n')
  assert.equal(lines.length, 1)
  assert.equal((JSON.parse(lines[0] as string) as { model: string }).model, 'gpt-4o')
})
