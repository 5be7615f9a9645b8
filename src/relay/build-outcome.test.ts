// buildOutcome: who asked, as the outcome names them (a named key's name and fingerprint; never the key or digest).
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import type { ClientIdentity } from '../auth/authenticate.js'
import type { NamedKeyConfig } from '../config/gateway-config.js'
import { noRoutingFields } from '../wire/routing-fields.js'
import { buildOutcome, type OutcomeParts } from './build-outcome.js'

const digest = 'a'.repeat(64)
const alice: NamedKeyConfig = {
  name: 'alice',
  digest,
  models: [],
  upstreams: undefined,
  limits: { rpm: 60, tpm: undefined, maxConcurrent: undefined, budgetUsd: undefined, budgetTokens: undefined, budgetPeriod: 'month' },
}

function partsFor(identity: ClientIdentity): OutcomeParts {
  const req = { method: 'POST', headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage
  return {
    req,
    requestId: 'r1',
    path: '/v1/chat/completions',
    identity,
    fields: noRoutingFields,
    body: null,
    requestHeaders: {},
    startedAt: 0,
    totalMs: 1,
    bytesOut: 0,
    result: {
      status: 200,
      errorCode: undefined,
      upstream: undefined,
      model: undefined,
      attempts: [],
      firstByteMs: undefined,
      captured: undefined,
    },
    upstreamModel: undefined,
    skippedOpen: [],
  }
}

test("a named key's outcome carries its name beside its fingerprint, never its digest", () => {
  const outcome = buildOutcome(partsFor({ kind: 'key', digest, fingerprint: 'key-aaaaaaaaaaaa', named: alice }))
  assert.deepEqual(outcome.identity, { kind: 'key', fingerprint: 'key-aaaaaaaaaaaa', name: 'alice' })
  assert.ok(!JSON.stringify(outcome).includes(digest))
})

test('a predecessor key has no name; an unknown key stays anonymous', () => {
  assert.deepEqual(buildOutcome(partsFor({ kind: 'key', digest, fingerprint: 'key-aaaaaaaaaaaa' })).identity, {
    kind: 'key',
    fingerprint: 'key-aaaaaaaaaaaa',
  })
  assert.deepEqual(buildOutcome(partsFor({ kind: 'anonymous', presentedKey: false })).identity, { kind: 'anonymous' })
})
