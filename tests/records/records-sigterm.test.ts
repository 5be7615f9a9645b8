// SIGTERM flush: the real process, SQLite, records held in the queue; after exit 0 every served request has its row.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { alwaysRedactedHeaders } from '../../src/config/records-schema.js'
import { createLogger } from '../../src/log/logger.js'
import { RecordStoreThread } from '../../src/observers/recording/record-store-thread.js'
import { completion, delayed, json, sse, startFakeUpstream, streamOf } from '../helpers/fake-upstream.js'
import { eventually } from '../helpers/recording-gateway.js'

const mainScript = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.js')

test('SIGTERM: in-flight requests finish, queued records are written, the process exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'records-sigterm-'))
  const upstream = await startFakeUpstream()
  const file = join(dir, 'records.sqlite')
  const configPath = join(dir, 'config.yaml')
  // A flush interval far beyond the test: rows can only reach the file through the shutdown flush.
  await writeFile(
    configPath,
    [
      'address: "127.0.0.1:0"',
      'dbtype: sqlite',
      `dbaddr: ${file}`,
      'authorization: k',
      'records: {flush_interval: 3600, batch_size: 500}',
      'upstreams:',
      `  - {name: fake, endpoint: "${upstream.endpoint}"}`,
      '',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [mainScript, '-config', configPath, '--workers', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  try {
    await eventually(() => /listening on (http:\/\/\S+)/.test(stdout), 'the gateway listens')
    const base = `${/listening on (http:\/\/\S+)/.exec(stdout)?.[1]}/v1`
    const send = (id: string, stream: boolean) =>
      fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: id }] }),
      }).then(async (response) => ({ status: response.status, body: await response.text() }))

    const served: string[] = []
    for (let i = 0; i < 40; i++) {
      const stream = i % 2 === 1
      upstream.script(stream ? sse(streamOf(['a', 'b'])) : json(200, completion('ok')))
      const response = await send(`served-${i}`, stream)
      assert.equal(response.status, 200)
      served.push(`served-${i}`)
    }
    // The queue is visible to the metrics: every row still waits, since the flush interval has not passed.
    // (Outcomes whose tokens are estimated are observed a moment after their response: poll.)
    let metrics = ''
    await eventually(async () => {
      metrics = await (await fetch(base.replace(/\/v1$/, '/metrics'))).text()
      return /^openai_api_route_record_queue_depth 40$/m.test(metrics)
    }, 'all 40 records queued')
    assert.match(metrics, /^openai_api_route_records_written_total 0$/m)
    // One request still in flight when the signal arrives: it is drained, answered, and recorded too.
    upstream.script(delayed(300, json(200, completion('late'))))
    const inFlight = send('in-flight', false)
    await eventually(() => upstream.requests.length === 41, 'the last request reached the upstream')
    child.kill('SIGTERM')
    assert.equal((await inFlight).status, 200)
    served.push('in-flight')
    const [code] = await exited
    assert.equal(code, 0, stderr)

    const store = RecordStoreThread.open({
      dialect: 'sqlite',
      address: file,
      logger: createLogger({ level: 'silent' }),
      redactHeaders: alwaysRedactedHeaders,
    })
    try {
      const rows = await store.read()
      assert.deepEqual(rows.map((row) => row.requestId ?? '').sort(), [...served].sort())
      assert.ok(rows.every((row) => row.status === 200))
    } finally {
      await store.close()
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  }
})
