// attemptVerdict: which attempts count for and against an upstream's breaker, as a table.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ErrorCode } from '../errors/error-codes.js'
import { attemptVerdict } from './attempt-verdict.js'
import type { UpstreamAnswer } from './body-sink.js'

const answer = (status: number, headers: string[] = []): UpstreamAnswer => ({ status, headers, body: Buffer.from('{}') })

test('successes, failures and attempts that say nothing about the upstream', () => {
  const table: Array<[string, number | undefined, ErrorCode | undefined, UpstreamAnswer | undefined, string]> = [
    ['a 200 reached the client', 200, undefined, undefined, 'succeeded'],
    ["the client's own 400", 400, undefined, undefined, 'inconclusive'],
    ['a 503 that failed over', 503, 'upstream_status', answer(503), 'failed upstream_status, HTTP 503 -'],
    ['a 429 with Retry-After', 429, 'upstream_status', answer(429, ['retry-after', '20']), 'failed upstream_status, HTTP 429 20000'],
    [
      'a 429 with a reset',
      429,
      'upstream_status',
      answer(429, ['x-ratelimit-reset-tokens', '6m0s']),
      'failed upstream_status, HTTP 429 360000',
    ],
    [
      'a 500 with Retry-After is no back-off',
      500,
      'upstream_status',
      answer(500, ['retry-after', '20']),
      'failed upstream_status, HTTP 500 -',
    ],
    ['a connection reset', undefined, 'upstream_reset', undefined, 'failed upstream_reset -'],
    ['a stream broken after its commit point', 200, 'upstream_idle_timeout', undefined, 'failed upstream_idle_timeout, HTTP 200 -'],
    ['the client went away', undefined, 'client_closed', undefined, 'inconclusive'],
    ['the gateway shut down', undefined, 'shutting_down', undefined, 'inconclusive'],
    ["the gateway's own bug", undefined, 'internal_error', undefined, 'inconclusive'],
    ['a request the type cannot carry', undefined, 'upstream_unsupported', undefined, 'inconclusive'],
  ]
  for (const [name, status, code, given, expected] of table) {
    const verdict = attemptVerdict(status, code, given, Date.UTC(2026, 0, 1))
    const text = verdict.kind === 'failed' ? `failed ${verdict.detail} ${verdict.retryAfterMs ?? '-'}` : verdict.kind
    assert.equal(text, expected, name)
  }
})
