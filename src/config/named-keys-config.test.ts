// `keys:`, `prices:` and `limits:` mapped into the GatewayConfig: names, digests (never the key), scopes, limits, defaults.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import type { GatewayConfig } from './gateway-config.js'
import { parseConfigText } from './load-config.js'

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`
const load = (text: string, env: NodeJS.ProcessEnv = {}): GatewayConfig => parseConfigText(text, 'config.yaml', env).config
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const upstreams = ['upstreams:', '  - { name: openai-main, sk: a }', '  - { name: azure-eu, sk: b }']

test('without keys, prices or limits: no named keys, no prices, limits at their defaults', () => {
  const config = load(yaml('authorization: k', ...upstreams))
  assert.deepEqual(config.keys, [])
  assert.deepEqual(config.prices, {})
  assert.deepEqual(config.limits, { onStoreError: 'allow', defaultCompletionTokens: 4096 })
})

test('a named key with every field: its digest in place of the key, its scopes and limits in domain names', () => {
  const config = load(
    yaml(
      ...upstreams,
      'keys:',
      '  - name: alice',
      '    key: ${ALICE_KEY}',
      '    models: ["gpt-4o*", fast]',
      '    upstreams: [openai-main, azure-eu]',
      '    rpm: 60',
      '    tpm: 200000',
      '    max_concurrent: 4',
      '    budget_usd: 50',
      '    budget_tokens: 5000000',
      '    budget_period: week',
      'prices:',
      '  "*": { input: 1, output: 2 }',
    ),
    { ALICE_KEY: 'sk-alice-secret' },
  )
  assert.deepEqual(config.keys, [
    {
      name: 'alice',
      digest: sha256('sk-alice-secret'),
      models: ['gpt-4o*', 'fast'],
      upstreams: ['openai-main', 'azure-eu'],
      limits: { rpm: 60, tpm: 200000, maxConcurrent: 4, budgetUsd: 50, budgetTokens: 5000000, budgetPeriod: 'week' },
    },
  ])
  assert.ok(Object.isFrozen(config.keys[0]?.limits))
  assert.doesNotMatch(JSON.stringify(config), /sk-alice-secret/)
})

test('a bare named key: every model, every upstream, no limits, budget period month', () => {
  const config = load(yaml(...upstreams, 'keys:', '  - { name: bob, key: sk-bob }'))
  assert.deepEqual(config.keys[0], {
    name: 'bob',
    digest: sha256('sk-bob'),
    models: [],
    upstreams: undefined,
    limits: {
      rpm: undefined,
      tpm: undefined,
      maxConcurrent: undefined,
      budgetUsd: undefined,
      budgetTokens: undefined,
      budgetPeriod: 'month',
    },
  })
})

test('key_sha256 is kept lower-cased and may come from the environment; a numeric key is read as written', () => {
  const digest = sha256('carol-key')
  const config = load(
    yaml(
      ...upstreams,
      'keys:',
      `  - { name: carol, key_sha256: "${digest.toUpperCase()}" }`,
      '  - { name: dave, key_sha256: "${DAVE_SHA}" }',
      '  - name: erin',
      '    key: ${ERIN_KEY}',
    ),
    { DAVE_SHA: sha256('dave-key'), ERIN_KEY: '0123456' },
  )
  assert.deepEqual(
    config.keys.map((key) => key.digest),
    [digest, sha256('dave-key'), sha256('0123456')],
  )
})

test('prices keep the file order, glob entries included, with cached input priced apart or not at all', () => {
  const config = load(
    yaml(
      ...upstreams,
      'prices:',
      '  gpt-4o-mini: { input: 0.15, output: 0.60, cached_input: 0.075 }',
      '  "claude-*": { input: 3, output: 15 }',
      '  fast: { input: 0, output: 0 }',
    ),
  )
  assert.deepEqual(Object.entries(config.prices), [
    ['gpt-4o-mini', { input: 0.15, output: 0.6, cachedInput: 0.075 }],
    ['claude-*', { input: 3, output: 15, cachedInput: undefined }],
    ['fast', { input: 0, output: 0, cachedInput: undefined }],
  ])
})

test('limits: on_store_error and default_completion_tokens', () => {
  const config = load(yaml(...upstreams, 'limits:', '  on_store_error: deny', '  default_completion_tokens: 1000'))
  assert.deepEqual(config.limits, { onStoreError: 'deny', defaultCompletionTokens: 1000 })
})

test('an upstream without authorization is no warning when a named key may use it', () => {
  const base = ['upstreams:', '  - { name: main, sk: a }']
  const warnings = (text: string): readonly string[] => parseConfigText(text, 'config.yaml', {}).warnings
  assert.match(warnings(yaml(...base)).join('\n'), /no client key can use this upstream/)
  assert.deepEqual(warnings(yaml(...base, 'keys: [{ name: all, key: k1 }]')), [])
  assert.deepEqual(warnings(yaml(...base, 'keys: [{ name: scoped, key: k1, upstreams: [main] }]')), [])
})
