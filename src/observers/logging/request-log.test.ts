// The per-request log line: one valid JSON object with the request's facts, client strings escaped, no key.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../../log/logger.js'
import type { RequestOutcome } from '../../outcome/request-outcome.js'
import { lateUsageLogObserver, requestLogFields, requestLogObserver } from './request-log.js'

const outcome = {
  requestId: 'id-"quoted"\\',
  startedAt: 0,
  method: 'POST',
  path: '/v1/chat/completions',
  clientIp: '::1',
  userAgent: 'ua',
  identity: { kind: 'key', digest: 'abc', fingerprint: 'key-0123456789ab' },
  model: 'gpt-4o\n\u2028',
  stream: true,
  upstream: 'primary',
  attempts: [{}, {}],
  status: 200,
  errorCode: undefined,
  firstByteMs: 12.345,
  totalMs: 1500.06,
  bytesIn: 10,
  bytesOut: 20,
  requestBody: Buffer.from('{"secret":"body"}'),
  requestHeaders: { authorization: 'Bearer sk-client-secret' },
  usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12, source: 'estimated' },
  responseText: 'answer text',
} as unknown as RequestOutcome

test('one JSON line at info with the request facts', () => {
  const lines: string[] = []
  const observe = requestLogObserver(
    createLogger({ level: 'info', write: (line) => lines.push(line), now: () => Date.UTC(2024, 4, 1, 10, 0, 0, 7) }),
  )
  assert.ok(observe)
  observe(outcome)
  assert.equal(lines.length, 1)
  assert.ok(lines[0]?.endsWith('}\n'))
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    time: '2024-05-01T10:00:00.007Z',
    level: 'info',
    msg: 'request',
    requestId: 'id-"quoted"\\',
    method: 'POST',
    path: '/v1/chat/completions',
    model: 'gpt-4o\n\u2028',
    stream: true,
    status: 200,
    upstream: 'primary',
    attempts: 2,
    firstByteMs: 12.3,
    totalMs: 1500.1,
    promptTokens: 5,
    completionTokens: 7,
    tokens: 'estimated',
    key: 'key-0123456789ab',
    clientIp: '::1',
    bytesIn: 10,
    bytesOut: 20,
  })
  assert.ok(!lines[0]?.includes('sk-client-secret'))
  assert.ok(!lines[0]?.includes('answer text'))
  assert.ok(!lines[0]?.includes('secret":"body'))
})

test('failed requests carry their error code; no usage, no token fields', () => {
  const lines: string[] = []
  const observe = requestLogObserver(createLogger({ level: 'info', write: (line) => lines.push(line) }))
  observe?.({
    ...outcome,
    status: 502,
    errorCode: 'upstream_status',
    usage: undefined,
    firstByteMs: undefined,
    upstream: undefined,
    identity: { kind: 'anonymous' },
  })
  const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>
  assert.equal(line['errorCode'], 'upstream_status')
  assert.equal(line['key'], 'anonymous')
  assert.ok(!('promptTokens' in line) && !('firstByteMs' in line) && !('upstream' in line))
})

test('below info nothing is logged, until the level is set to info (a reload)', () => {
  const lines: string[] = []
  const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) })
  const observe = requestLogObserver(logger)
  observe(outcome)
  assert.deepEqual(lines, [])
  logger.setLevel?.('info')
  observe(outcome)
  assert.equal(lines.length, 1)
})

test('an estimate that arrives after the request line is logged in a line of its own, under the same id', () => {
  const lines: string[] = []
  const observe = lateUsageLogObserver(createLogger({ level: 'info', write: (line) => lines.push(line), now: () => 0 }))
  assert.ok(observe)
  observe(outcome)
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    time: '1970-01-01T00:00:00.000Z',
    level: 'info',
    msg: 'request tokens',
    requestId: 'id-"quoted"\\',
    promptTokens: 5,
    completionTokens: 7,
    tokens: 'estimated',
  })
  const quiet: string[] = []
  lateUsageLogObserver(createLogger({ level: 'warn', write: (line) => quiet.push(line) }))(outcome)
  assert.deepEqual(quiet, [])
})

const requestLogFieldsLine = (overrides: Partial<RequestOutcome>): string => `{${requestLogFields({ ...outcome, ...overrides })}}`

test("an upstream sent its own name for the model: the line says which, beside the client's", () => {
  const mapped = JSON.parse(requestLogFieldsLine({ model: 'fast', upstreamModel: 'claude-haiku-4-5' })) as Record<string, unknown>
  assert.equal(mapped['model'], 'fast')
  assert.equal(mapped['upstreamModel'], 'claude-haiku-4-5')
  const plain = JSON.parse(requestLogFieldsLine({ model: 'gpt-4o', upstreamModel: 'gpt-4o' })) as Record<string, unknown>
  assert.ok(!('upstreamModel' in plain))
})

test("a named key's name is on the line beside its fingerprint; never the key or its digest", () => {
  const digest = 'f'.repeat(64)
  // As the edge's identity would arrive if passed on whole: the digest must still stay off the line.
  const identity = { kind: 'key', digest, fingerprint: 'key-0123456789ab', name: 'alice' } as RequestOutcome['identity']
  const line = requestLogFieldsLine({ identity })
  const fields = JSON.parse(line) as Record<string, unknown>
  assert.equal(fields['keyName'], 'alice')
  assert.equal(fields['key'], 'key-0123456789ab')
  assert.ok(!line.includes(digest) && !line.includes('sk-client-secret'))
  assert.ok(!('keyName' in (JSON.parse(requestLogFieldsLine({})) as Record<string, unknown>)), 'a predecessor key has no name')
})
