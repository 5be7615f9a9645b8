// toRecordRow: what a request record keeps, under each recording policy, and what it never keeps.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keyDigest, keyFingerprint } from '../../auth/key-digest.js'
import { parseConfigText } from '../../config/load-config.js'
import type { RequestOutcome } from '../../outcome/request-outcome.js'
import { PriceTable } from '../../spend/price-table.js'
import { recordContextFor, toRecordRow } from './record-row.js'

const clientKey = 'client-key-AAAA-0123456789'
const upstreamKey = 'sk-upstream-BBBB-0123456789'
const fingerprint = (key: string): string => keyFingerprint(keyDigest(key))

const configOf = (records = '') =>
  parseConfigText(
    [
      'hostname: gw-test',
      `authorization: ${clientKey}`,
      'upstreams:',
      '  - name: first',
      `    sk: ${upstreamKey}`,
      '    endpoint: http://127.0.0.1:9001/v1',
      '  - name: own-key',
      '    sk: asis',
      '    endpoint: http://127.0.0.1:9002/v1',
      records,
      '',
    ].join('\n'),
    'test.yaml',
    {},
  ).config

function outcome(overrides: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    requestId: 'req-1',
    startedAt: Date.UTC(2025, 1, 3, 4, 5, 6, 7),
    method: 'POST',
    path: '/v1/chat/completions',
    clientIp: '127.0.0.1',
    userAgent: 'test-agent/1',
    identity: { kind: 'key', fingerprint: fingerprint(clientKey) },
    model: 'gpt-4o',
    stream: true,
    upstream: 'first',
    upstreamModel: 'gpt-4o-2024-11-20',
    attempts: [{ upstream: 'first', upstreamIndex: 0, outcome: 'ok', status: 200, errorCode: undefined, durationMs: 33.5 }],
    status: 200,
    errorCode: undefined,
    firstByteMs: 12.25,
    totalMs: 40.5,
    bytesIn: 64,
    bytesOut: 900,
    requestBody: Buffer.from('{"model":"gpt-4o","messages":[]}'),
    requestHeaders: {
      authorization: `Bearer ${clientKey}`,
      'content-type': 'application/json',
      'x-request-id': 'req-1',
      'x-api-key': clientKey,
    },
    usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8, source: 'estimated' },
    responseText: 'Hello!',
    ...overrides,
  }
}

test('every field of a served stream request, the keys only as fingerprints', () => {
  const row = toRecordRow(
    outcome(),
    recordContextFor(configOf(), () => 'uid-1'),
  )
  assert.deepEqual(row, {
    recordUid: 'uid-1',
    requestId: 'req-1',
    createdAt: Date.UTC(2025, 1, 3, 4, 5, 6, 7),
    hostname: 'gw-test',
    method: 'POST',
    path: '/v1/chat/completions',
    clientIp: '127.0.0.1',
    userAgent: 'test-agent/1',
    clientKey: fingerprint(clientKey),
    model: 'gpt-4o',
    stream: true,
    upstream: 'first',
    upstreamEndpoint: 'http://127.0.0.1:9001/v1',
    upstreamKey: fingerprint(upstreamKey),
    upstreamModel: 'gpt-4o-2024-11-20',
    attempts: [{ upstream: 'first', outcome: 'ok', status: 200, error_code: null, duration_ms: 33.5 }],
    status: 200,
    errorCode: null,
    firstByteMs: 12.25,
    totalMs: 40.5,
    bytesIn: 64,
    bytesOut: 900,
    promptTokens: 5,
    completionTokens: 3,
    totalTokens: 8,
    usageSource: 'estimated',
    keyName: null,
    costUsd: null,
    requestBody: '{"model":"gpt-4o","messages":[]}',
    response: 'Hello!',
    headers: JSON.stringify({
      Authorization: ['[redacted]'],
      'Content-Type': ['application/json'],
      'X-Request-Id': ['req-1'],
      'X-Api-Key': ['[redacted]'],
    }),
  })
  const text = JSON.stringify(row)
  assert.ok(!text.includes(clientKey) && !text.includes(upstreamKey))
})

test("a named key's record carries its name and the cost at the upstream model's price, never the key or its digest", () => {
  const prices = new PriceTable({
    'gpt-4o-2024-*': { input: 2.5, output: 10, cachedInput: 1.25 },
    'gpt-4o': { input: 100, output: 100, cachedInput: undefined },
  })
  const digest = keyDigest(clientKey)
  const row = toRecordRow(
    outcome({
      identity: { kind: 'key', fingerprint: fingerprint(clientKey), name: 'alice' },
      usage: { promptTokens: 1000, completionTokens: 200, totalTokens: 1200, cachedPromptTokens: 400, source: 'reported' },
    }),
    recordContextFor(configOf(), () => 'uid', prices),
  )
  assert.equal(row.keyName, 'alice')
  assert.equal(row.costUsd, (600 * 2.5 + 400 * 1.25 + 200 * 10) / 1_000_000)
  const text = JSON.stringify(row)
  assert.ok(!text.includes(clientKey) && !text.includes(digest))
  const unpriced = toRecordRow(
    outcome({ upstreamModel: 'llama3', model: 'llama3' }),
    recordContextFor(configOf(), () => 'uid', prices),
  )
  assert.equal(unpriced.costUsd, null)
  assert.equal(
    toRecordRow(
      outcome({ usage: undefined }),
      recordContextFor(configOf(), () => 'uid', prices),
    ).costUsd,
    null,
  )
})

test('a failed request: no upstream, no first byte, no usage, the error code kept', () => {
  const row = toRecordRow(
    outcome({
      upstream: undefined,
      attempts: [{ upstream: 'first', upstreamIndex: 0, outcome: 'failed', status: 503, errorCode: 'upstream_status', durationMs: 5 }],
      status: 503,
      errorCode: 'upstream_status',
      firstByteMs: undefined,
      usage: undefined,
      responseText: undefined,
    }),
    recordContextFor(configOf(), () => 'uid'),
  )
  assert.equal(row.upstream, null)
  assert.equal(row.upstreamEndpoint, '')
  assert.equal(row.upstreamKey, '')
  assert.equal(row.firstByteMs, null)
  assert.equal(row.errorCode, 'upstream_status')
  assert.deepEqual(row.attempts, [{ upstream: 'first', outcome: 'failed', status: 503, error_code: 'upstream_status', duration_ms: 5 }])
  assert.equal(row.promptTokens, null)
  assert.equal(row.usageSource, null)
  assert.equal(row.response, '')
})

test('upstreams placed last because their breaker was open: marked on an attempt made anyway, listed when not reached', () => {
  const row = toRecordRow(
    outcome({
      attempts: [
        { upstream: 'second', upstreamIndex: 1, outcome: 'failed', status: 503, errorCode: 'upstream_status', durationMs: 5 },
        { upstream: 'first', upstreamIndex: 0, outcome: 'ok', status: 200, errorCode: undefined, durationMs: 7 },
      ],
      skippedOpen: ['first', 'third'],
    }),
    recordContextFor(configOf(), () => 'uid'),
  )
  assert.deepEqual(row.attempts, [
    { upstream: 'second', outcome: 'failed', status: 503, error_code: 'upstream_status', duration_ms: 5 },
    { upstream: 'first', outcome: 'ok', status: 200, error_code: null, duration_ms: 7, breaker_open: true },
    { upstream: 'third', outcome: 'skipped_open', status: null, error_code: null, duration_ms: 0 },
  ])
})

test('an asis upstream is recorded as asis; an unknown client key by its fingerprint; no key as empty', () => {
  const context = recordContextFor(configOf(), () => 'uid')
  assert.equal(toRecordRow(outcome({ upstream: 'own-key' }), context).upstreamKey, 'asis')
  const stranger = toRecordRow(
    outcome({
      identity: { kind: 'anonymous', fingerprint: fingerprint('wrong-key-123') },
      requestHeaders: { authorization: '[redacted]' },
    }),
    context,
  )
  assert.equal(stranger.clientKey, fingerprint('wrong-key-123'))
  assert.equal(toRecordRow(outcome({ identity: { kind: 'anonymous' }, requestHeaders: {} }), context).clientKey, '')
})

test('the policy: bodies, responses and headers off', () => {
  const context = recordContextFor(
    configOf('records: {store_request_body: false, store_response: false, store_headers: false}'),
    () => 'uid',
  )
  const row = toRecordRow(outcome(), context)
  assert.equal(row.requestBody, '')
  assert.equal(row.response, '')
  assert.equal(row.headers, '')
})

test('the policy: the size cap cuts bodies and responses at a character boundary', () => {
  const context = recordContextFor(configOf('records: {max_stored_size: 10}'), () => 'uid')
  const row = toRecordRow(outcome({ requestBody: Buffer.from('{"a":"ééééé"}'), responseText: 'abcdefghi✓✓' }), context)
  assert.equal(row.requestBody, '{"a":"éé')
  assert.equal(row.response, 'abcdefghi')
})

test('the policy: redact_headers adds names to the always-redacted ones', () => {
  const context = recordContextFor(configOf('records: {redact_headers: [X-Tenant-Token]}'), () => 'uid')
  const row = toRecordRow(outcome({ requestHeaders: { 'x-tenant-token': 't0ken', cookie: 'session=abc', 'x-multi': ['a', 'b'] } }), context)
  assert.deepEqual(JSON.parse(row.headers), { 'X-Tenant-Token': ['[redacted]'], Cookie: ['[redacted]'], 'X-Multi': ['a', 'b'] })
})

test('NUL characters, which PostgreSQL text refuses, are replaced', () => {
  const row = toRecordRow(
    outcome({ responseText: 'a\u0000b' }),
    recordContextFor(configOf(), () => 'uid'),
  )
  assert.equal(row.response, 'a\uFFFDb')
})
