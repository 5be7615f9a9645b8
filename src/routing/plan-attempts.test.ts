// planAttempts: which upstreams a request may try, in which order, and why a request has none.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ClientIdentity } from '../auth/authenticate.js'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { parseConfigText } from '../config/load-config.js'
import { planAttempts, type PlanInput } from './plan-attempts.js'

const upstreams = parseConfigText(
  `
authorization: client-key
upstreams:
  - { name: a, endpoint: "http://127.0.0.1:1/v1" }
  - { name: b, endpoint: "http://127.0.0.1:2/v1", deny: [gpt-4] }
  - { name: c, endpoint: "http://127.0.0.1:3/v1", allow: [gpt-4, gpt-4o] }
  - { name: d, endpoint: "http://127.0.0.1:4/v1", noauth: true, allow: [llama] }
`,
  'test.yaml',
  {},
).config.upstreams

const member: ClientIdentity = { kind: 'key', digest: 'd', fingerprint: 'key-d' }
const stranger: ClientIdentity = { kind: 'anonymous', presentedKey: true }

function plan(overrides: Partial<PlanInput>): string[] | string {
  const result = planAttempts({
    target: { model: 'gpt-4o', path: '/v1/chat/completions' },
    identity: member,
    upstreams,
    policy: 'order',
    // The member may use every upstream; anyone may use noauth ones.
    mayUse: (identity, upstream) => upstream.noauth || identity.kind === 'key',
    isAvailable: () => true,
    random: () => {
      throw new Error('order must not draw random numbers')
    },
    ...overrides,
  })
  return result.kind === 'attempts' ? result.attempts.map((u) => u.name) : result.kind
}

/** A random() that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => {
    const value = values[i++]
    if (value === undefined) throw new Error('random() called more often than expected')
    return value
  }
}

test('order: candidates in file order, each filtered by allow and deny', () => {
  assert.deepEqual(plan({ target: { model: 'gpt-4o', path: '/v1/chat/completions' } }), ['a', 'b', 'c'])
  assert.deepEqual(plan({ target: { model: 'gpt-4', path: '/v1/chat/completions' } }), ['a', 'c'])
  assert.deepEqual(plan({ target: { model: 'llama', path: '/v1/chat/completions' } }), ['a', 'b', 'd'])
})

test('upstreams the identity may not use, or the gateway cannot reach, are left out', () => {
  assert.deepEqual(plan({ mayUse: (_identity, upstream) => upstream.name !== 'a' }), ['b', 'c'])
  assert.deepEqual(plan({ isAvailable: (upstream: UpstreamConfig) => upstream.name !== 'b' }), ['a', 'c'])
})

test('a known key with no upstream serving the model gets no_model', () => {
  assert.equal(
    plan({
      target: { model: 'claude', path: '/v1/chat/completions' },
      upstreams: upstreams.filter((u) => u.name === 'c' || u.name === 'd'),
    }),
    'no_model',
  )
})

test('no key or an unknown key with no usable upstream serving the model gets unauthorized', () => {
  assert.equal(plan({ identity: stranger, target: { model: 'gpt-4o', path: '/v1/chat/completions' } }), 'unauthorized')
  assert.equal(
    plan({ identity: { kind: 'anonymous', presentedKey: false }, target: { model: 'gpt-4o', path: '/v1/chat/completions' } }),
    'unauthorized',
  )
  // A noauth upstream serving the model lets them through.
  assert.deepEqual(plan({ identity: stranger, target: { model: 'llama', path: '/v1/chat/completions' } }), ['d'])
})

test('random: the candidates are shuffled with the injected random()', () => {
  // Fisher–Yates over [a, b, c]: i=2 picks j=floor(r*3), then i=1 picks j=floor(r*2).
  assert.deepEqual(plan({ policy: 'random', random: sequence(0, 0) }), ['b', 'c', 'a'])
  assert.deepEqual(plan({ policy: 'random', random: sequence(0.99, 0.99) }), ['a', 'b', 'c'])
  assert.deepEqual(plan({ policy: 'random', random: sequence(0.5, 0.99) }), ['a', 'c', 'b'])
})

test('random keeps every candidate exactly once, whatever random() returns', () => {
  for (const r of [0, 0.1, 0.34, 0.5, 0.67, 0.9, 0.999999]) {
    const order = plan({ policy: 'random', random: () => r })
    assert.ok(Array.isArray(order))
    assert.deepEqual([...order].sort(), ['a', 'b', 'c'])
  }
})
