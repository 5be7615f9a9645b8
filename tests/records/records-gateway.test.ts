// Request records end to end: the real gateway, fake upstreams, SQLite; one row per request with what happened.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import OpenAI from 'openai'
import { alwaysRedactedHeaders } from '../../src/config/records-schema.js'
import { createLogger } from '../../src/log/logger.js'
import type { StoredRecord } from '../../src/observers/recording/record-store.js'
import { RecordStoreThread } from '../../src/observers/recording/record-store-thread.js'
import type { RequestOutcome } from '../../src/outcome/request-outcome.js'
import { completion, json, openaiError, sse, startFakeUpstream, streamOf, type FakeUpstream } from '../helpers/fake-upstream.js'
import { eventually, startRecordingGateway, type RecordingGateway } from '../helpers/recording-gateway.js'

const clientKey = 'client-SECRET-key-7f3a9c'
const upstreamKeyA = 'sk-upstreamA-SECRET-55d1'
const upstreamKeyB = 'sk-upstreamB-SECRET-91be'

let dir: string
let a: FakeUpstream
let b: FakeUpstream
let gateway: RecordingGateway
let client: OpenAI
let rows: StoredRecord[] = []
const outcomeOf = new Map<string, RequestOutcome>()

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'records-gateway-'))
  a = await startFakeUpstream()
  b = await startFakeUpstream()
  gateway = await startRecordingGateway(
    [
      'hostname: gw-test',
      'dbtype: sqlite',
      `dbaddr: ${join(dir, 'records.sqlite')}`,
      `authorization: ${clientKey}`,
      'stream_timeout: 5',
      'records: {flush_interval: 0.02}',
      'upstreams:',
      `  - {name: a, sk: ${upstreamKeyA}, endpoint: "${a.endpoint}"}`,
      `  - {name: b, sk: ${upstreamKeyB}, endpoint: "${b.endpoint}"}`,
      '',
    ].join('\n'),
  )
  await gateway.recording.ready
  client = new OpenAI({ apiKey: clientKey, baseURL: gateway.baseURL, maxRetries: 0 })
})

after(async () => {
  await gateway.shutdown()
  await a.close()
  await b.close()
  await rm(dir, { recursive: true, force: true })
})

/** Sends one request with its own x-request-id and waits for its row. */
async function requestAndRow(requestId: string, send: (headers: Record<string, string>) => Promise<unknown>): Promise<StoredRecord> {
  await send({ 'x-request-id': requestId }).catch(() => undefined)
  await eventually(() => gateway.outcomes.some((o) => o.requestId === requestId), `the outcome of ${requestId} is observed`)
  const store = RecordStoreThread.open({
    dialect: 'sqlite',
    address: join(dir, 'records.sqlite'),
    logger: createLogger({ level: 'silent' }),
    redactHeaders: alwaysRedactedHeaders,
  })
  try {
    await eventually(async () => {
      rows = await store.read()
      return rows.some((row) => row.requestId === requestId)
    }, `the row of ${requestId} is written`)
  } finally {
    await store.close()
  }
  const row = rows.find((r) => r.requestId === requestId) as StoredRecord
  outcomeOf.set(requestId, gateway.outcomes.find((o) => o.requestId === requestId) as RequestOutcome)
  assertRowIsOutcome(row, outcomeOf.get(requestId) as RequestOutcome)
  return row
}

/** The common fields: exactly what the gateway observed, keys only as fingerprints. */
function assertRowIsOutcome(row: StoredRecord, outcome: RequestOutcome): void {
  assert.equal(row.hostname, 'gw-test')
  assert.equal(row.createdAt, outcome.startedAt)
  assert.equal(row.clientIp, outcome.clientIp)
  assert.equal(row.userAgent, outcome.userAgent)
  assert.equal(row.method, 'POST')
  assert.equal(row.path, '/v1/chat/completions')
  assert.equal(row.model, outcome.model)
  assert.equal(row.stream, outcome.stream)
  assert.equal(row.status, outcome.status)
  assert.equal(row.errorCode, outcome.errorCode ?? null)
  assert.equal(row.firstByteMs, outcome.firstByteMs ?? null)
  assert.equal(row.totalMs, outcome.totalMs)
  assert.equal(row.bytesIn, outcome.bytesIn)
  assert.equal(row.bytesOut, outcome.bytesOut)
  assert.equal(row.promptTokens, outcome.usage?.promptTokens ?? null)
  assert.equal(row.totalTokens, outcome.usage?.totalTokens ?? null)
  assert.equal(row.usageSource, outcome.usage?.source ?? null)
  assert.equal(row.response, outcome.responseText ?? '')
  assert.equal(row.requestBody, outcome.requestBody?.toString('utf8'))
  assert.deepEqual(
    row.attempts,
    outcome.attempts.map((attempt) => ({
      upstream: attempt.upstream,
      outcome: attempt.outcome,
      status: attempt.status ?? null,
      error_code: attempt.errorCode ?? null,
      duration_ms: attempt.durationMs,
    })),
  )
  assert.match(row.clientKey ?? '', /^key-[0-9a-f]{12}$/)
  assert.equal((JSON.parse(row.headers ?? '{}') as Record<string, string[]>)['Authorization']?.[0], '[redacted]')
}

test('non-stream: the answering upstream, one ok attempt, tokens reported by the upstream, the answer text', async () => {
  a.script(json(200, completion('Paris is the capital.', 'gpt-4o', { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 })))
  const row = await requestAndRow('rec-nonstream', (headers) =>
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Capital of France?' }] }, { headers }),
  )
  assert.equal(row.status, 200)
  assert.equal(row.stream, false)
  assert.equal(row.upstream, 'a')
  assert.equal(row.upstreamEndpoint, a.endpoint)
  assert.match(row.upstreamKey ?? '', /^key-[0-9a-f]{12}$/)
  assert.deepEqual(
    row.attempts?.map((x) => [x.upstream, x.outcome]),
    [['a', 'ok']],
  )
  assert.deepEqual([row.promptTokens, row.completionTokens, row.totalTokens, row.usageSource], [9, 5, 14, 'reported'])
  assert.equal(row.response, 'Paris is the capital.')
  assert.match(row.requestBody ?? '', /Capital of France/)
  assert.ok((row.firstByteMs ?? 0) > 0 && (row.totalMs ?? 0) >= (row.firstByteMs ?? 0))
  assert.ok((row.bytesIn ?? 0) > 0 && (row.bytesOut ?? 0) > 0)
  assert.equal(row.responseTimeNs, Math.round((row.firstByteMs ?? 0) * 1e6))
})

test('stream: the concatenated deltas and a stream flag', async () => {
  a.script(sse(streamOf(['Hello', ' there', '!'], 'gpt-4o')))
  const row = await requestAndRow('rec-stream', async (headers) => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { headers },
    )
    for await (const _chunk of stream) {
      // read to the end
    }
  })
  assert.equal(row.stream, true)
  assert.equal(row.status, 200)
  assert.equal(row.upstream, 'a')
  assert.equal(row.response, 'Hello there!')
  assert.ok(row.usageSource === 'reported' || row.usageSource === 'estimated')
})

test('failover: every attempt with its outcome and error code, and the upstream that answered', async () => {
  a.script(openaiError(500, 'boom'))
  b.script(json(200, completion('from b')))
  const row = await requestAndRow('rec-failover', (headers) =>
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { headers }),
  )
  assert.equal(row.status, 200)
  assert.equal(row.upstream, 'b')
  assert.equal(row.upstreamEndpoint, b.endpoint)
  assert.deepEqual(
    row.attempts?.map((x) => [x.upstream, x.outcome, x.status]),
    [
      ['a', 'failed', 500],
      ['b', 'ok', 200],
    ],
  )
  assert.ok(row.attempts?.[0]?.error_code)
  assert.equal(row.response, 'from b')
})

test("every upstream failed: both attempts failed, the client got the last upstream's error, its code kept", async () => {
  a.script(openaiError(500, 'down'))
  b.script(openaiError(503, 'also down'))
  const row = await requestAndRow('rec-allfailed', (headers) =>
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { headers }),
  )
  // The last upstream's own error answer is what the client gets, as the predecessor did.
  assert.equal(row.status, 503)
  assert.equal(row.upstream, 'b')
  assert.ok(row.errorCode)
  assert.deepEqual(
    row.attempts?.map((x) => [x.upstream, x.outcome]),
    [
      ['a', 'failed'],
      ['b', 'failed'],
    ],
  )
  assert.equal(row.promptTokens, null)
})

test('client abort mid-stream: written when the stream ends with client_closed', async () => {
  a.script(sse(streamOf(['one', 'two']), { done: false, then: 'hang' }))
  const row = await requestAndRow('rec-abort', async (headers) => {
    const controller = new AbortController()
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: controller.signal,
    })
    const reader = response.body?.getReader()
    await reader?.read()
    controller.abort()
  })
  assert.equal(row.errorCode, 'client_closed')
  assert.equal(row.stream, true)
  assert.equal(row.upstream, 'a')
  assert.deepEqual(
    row.attempts?.map((x) => [x.upstream, x.outcome]),
    [['a', 'client_closed']],
  )
  await a.requests.at(-1)?.aborted
})

test('no key appears anywhere in the database files, whatever header carried it', async () => {
  a.script(json(200, completion('ok')))
  await requestAndRow('rec-keys', (headers) =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${clientKey}`, 'x-api-key': clientKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    }).then((r) => r.text()),
  )
  await gateway.shutdown()
  const names = await readdir(dir)
  const bytes = Buffer.concat(await Promise.all(names.map((name) => readFile(join(dir, name))))).toString('latin1')
  assert.ok(bytes.includes('rec-keys'), 'the scan reads the rows')
  for (const key of [clientKey, upstreamKeyA, upstreamKeyB]) assert.ok(!bytes.includes(key), `${key.slice(0, 8)}… is not stored`)
  assert.equal(new Set(rows.map((r) => r.requestId)).size, rows.length, 'one row per request')
})
