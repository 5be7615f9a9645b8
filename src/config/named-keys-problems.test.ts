// Problems and warnings of `keys:`, `prices:` and `limits:`, each at its line and column, never quoting a key or digest.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { ConfigError } from './config-error.js'
import { parseConfigText } from './load-config.js'
import { unpricedModels } from './to-named-keys.js'

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const upstreams = ['upstreams:', '  - { name: openai-main, sk: a }', '  - { name: azure-eu, sk: b }']

function problemLines(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'config.yaml', env)
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error.message.split('\n')
  }
  assert.fail('expected a ConfigError')
}

const warningsOf = (text: string): readonly string[] => parseConfigText(text, 'config.yaml', {}).warnings

test('a duplicate name and a duplicate key are problems at the second entry, the key never quoted', () => {
  const lines = problemLines(
    yaml(
      ...upstreams,
      'keys:',
      '  - { name: alice, key: sk-same-secret }',
      '  - { name: alice, key: other-secret }',
      `  - { name: bob, key_sha256: "${sha256('sk-same-secret')}" }`,
    ),
  )
  assert.deepEqual(lines, [
    'config.yaml:6:13 keys[1].name: "alice" is already the name of keys[0]',
    'config.yaml:7:30 keys[2].key_sha256: is the same key as keys[0] (alice)',
  ])
  assert.doesNotMatch(lines.join('\n'), /secret|[0-9a-f]{64}/)
})

test("a named key that is also a predecessor key, at the top level or an upstream's own, is a problem", () => {
  const lines = problemLines(
    yaml(
      'authorization: "shared-key, other"',
      'upstreams:',
      '  - { name: main, sk: a, authorization: own-key }',
      'keys:',
      '  - { name: alice, key: shared-key }',
      '  - { name: bob, key: own-key }',
    ),
  )
  assert.deepEqual(lines, [
    'config.yaml:5:25 keys[0].key: is also listed in an authorization list: a key is either named (keys) or not',
    'config.yaml:6:23 keys[1].key: is also listed in an authorization list: a key is either named (keys) or not',
  ])
})

test('an unknown upstream name is a problem that lists the names there are, derived ones included', () => {
  const lines = problemLines(
    yaml('upstreams:', '  - { name: main, sk: a }', '  - { sk: b }', 'keys:', '  - { name: a, key: k, upstreams: [main, mian] }'),
  )
  assert.deepEqual(lines, ['config.yaml:5:42 keys[0].upstreams[1]: no upstream is named "mian" (names: main, api.openai.com/v1)'])
})

test('bad names, globs, limits below 1, an unknown budget_period and empty lists are each pointed at', () => {
  const lines = problemLines(
    yaml(
      ...upstreams,
      'keys:',
      '  - name: "bad name"',
      '    key: k1',
      '    models: ["gpt-4o*", "gpt[4]", ""]',
      '    rpm: 0',
      '    tpm: 1.5',
      '    max_concurrent: -1',
      '    budget_usd: 0',
      '    budget_tokens: 0',
      '    budget_period: year',
      '  - { name: b, key: k2, models: [], upstreams: [] }',
    ),
  )
  assert.deepEqual(lines, [
    'config.yaml:5:11 keys[0].name: expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    'config.yaml:7:25 keys[0].models[1]: "gpt[4]" holds a character that is neither part of a model name nor * or ?',
    'config.yaml:7:35 keys[0].models[2]: an empty pattern matches no model',
    'config.yaml:8:10 keys[0].rpm: must be at least 1',
    'config.yaml:9:10 keys[0].tpm: expected a whole number, got a number',
    'config.yaml:10:21 keys[0].max_concurrent: must be at least 1',
    'config.yaml:11:17 keys[0].budget_usd: must be more than 0',
    'config.yaml:12:20 keys[0].budget_tokens: must be at least 1',
    'config.yaml:13:20 keys[0].budget_period: expected one of "day", "week", "month", "total", got "year"',
    'config.yaml:14:33 keys[1].models: an empty list allows no model: leave models out to allow every model',
    'config.yaml:14:48 keys[1].upstreams: an empty list allows no upstream: leave upstreams out to allow every upstream',
  ])
})

test('exactly one of key and key_sha256, a digest of 64 hex digits, no blanks around a key, none of them quoted', () => {
  const lines = problemLines(
    yaml(
      ...upstreams,
      'keys:',
      '  - { name: none }',
      `  - { name: both, key: secret-one, key_sha256: "${sha256('x')}" }`,
      '  - { name: short, key_sha256: "abc123" }',
      '  - { name: blanks, key: " secret-two " }',
    ),
  )
  assert.deepEqual(lines, [
    'config.yaml:5:5 keys[0].key: is required: set key (e.g. ${ALICE_KEY}) or key_sha256',
    'config.yaml:6:48 keys[1].key_sha256: set key or key_sha256, not both',
    'config.yaml:7:32 keys[2].key_sha256: expected 64 hex digits, the SHA-256 of the key (printf %s "$KEY" | sha256sum)',
    'config.yaml:8:26 keys[3].key: must not start or end with blanks',
  ])
  assert.doesNotMatch(lines.join('\n'), /secret|abc123/)
})

test('an unset ${VAR} in a key is named, the other variables never printed', () => {
  const lines = problemLines(yaml(...upstreams, 'keys:', '  - { name: a, key: "${ALICE_KEY}" }', '  - { name: b, key: "${BOB_KEY}" }'), {
    BOB_KEY: 'sk-bob-secret',
  })
  assert.deepEqual(lines, ['config.yaml:5:21 keys[0].key: ${ALICE_KEY} is not set'])
})

test('prices and limits out of range or unknown are pointed at', () => {
  const lines = problemLines(
    yaml(
      ...upstreams,
      'prices:',
      '  gpt-4o: { input: -1, output: 2, cahced_input: 1 }',
      '  fast: { input: 1 }',
      'limits:',
      '  on_store_error: maybe',
      '  default_completion_tokens: 0',
    ),
  )
  assert.deepEqual(lines, [
    'config.yaml:5:20 prices.gpt-4o.input: must be 0 or more (USD per million tokens)',
    'config.yaml:5:35 prices.gpt-4o.cahced_input: unknown key',
    'config.yaml:6:9 prices.fast.output: expected a number, got nothing',
    'config.yaml:8:19 limits.on_store_error: expected one of "allow", "deny", got "maybe"',
    'config.yaml:9:30 limits.default_completion_tokens: must be at least 1',
  ])
})

test('a price for a pattern no model name can match is a problem', () => {
  assert.deepEqual(problemLines(yaml(...upstreams, 'prices:', '  "bad model": { input: 1, output: 1 }')), [
    'config.yaml:5:16 prices["bad model"]: "bad model" holds a character that is neither part of a model name nor * or ?',
  ])
})

test('budget_usd warns when some model the key may use has no price', () => {
  const key = (fields: string): string[] => ['keys:', `  - { name: a, key: k, budget_usd: 5${fields} }`]
  const at = 'config.yaml:5:36 keys[0].budget_usd: budget_usd counts spend priced from prices, and'
  assert.deepEqual(warningsOf(yaml(...upstreams, ...key(''))), [`${at} prices is empty: that spend counts as 0`])
  const prices = ['prices:', '  gpt-4o-mini: { input: 1, output: 1 }', '  "claude-*": { input: 1, output: 1 }']
  assert.deepEqual(warningsOf(yaml(...upstreams, ...key(', models: [gpt-4o-mini, claude-3, "gpt-4o*", fast]'), ...prices)), [
    `${at} no price covers gpt-4o*, fast: that spend counts as 0`,
  ])
  assert.deepEqual(warningsOf(yaml(...upstreams, ...key(''), ...prices)), [`${at} no price covers every model: that spend counts as 0`])
  assert.deepEqual(warningsOf(yaml(...upstreams, ...key(', models: ["claude-3*", gpt-4o-mini]'), ...prices)), [])
  assert.deepEqual(warningsOf(yaml(...upstreams, ...key(''), 'prices:', '  "*": { input: 1, output: 1 }')), [])
  // No budget_usd, no warning, priced or not.
  assert.deepEqual(warningsOf(yaml(...upstreams, 'keys:', '  - { name: a, key: k, budget_tokens: 5, budget_period: day }')), [])
})

test('budget_period without a budget is pointed out', () => {
  assert.deepEqual(warningsOf(yaml(...upstreams, 'keys:', '  - { name: a, key: k, rpm: 5, budget_period: day }')), [
    'config.yaml:5:47 keys[0].budget_period: budget_period has no effect without budget_usd or budget_tokens',
  ])
})

test('unpricedModels: exact names by exact or glob price, globs by the same glob or a covering prefix*', () => {
  const price = { input: 1, output: 1, cachedInput: undefined }
  const prices = { 'gpt-4o': price, 'gpt-4*': price, 'o?-mini': price }
  assert.deepEqual(unpricedModels(['gpt-4o', 'gpt-4.1', 'o3-mini', 'o4-mini-high', 'gpt-4o*', 'gpt*', 'o?-mini'], prices), [
    'o4-mini-high',
    'gpt*',
  ])
  assert.deepEqual(unpricedModels([], prices), ['every model'])
  assert.deepEqual(unpricedModels([], { '*': price }), [])
})
