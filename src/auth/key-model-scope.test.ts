// mayUseModel: a named key's `models` globs decide which client models it may ask for; other identities are not scoped.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../config/load-config.js'
import { Authenticator } from './authenticate.js'
import { mayUseModel } from './key-model-scope.js'

const config = parseConfigText(
  `
authorization: old-key
upstreams: [{ name: main, sk: a }]
keys:
  - { name: scoped, key: scoped-key, models: ["gpt-4o*", fast, "o?-mini"] }
  - { name: everything, key: all-key }
`,
  'test.yaml',
  {},
).config
const auth = new Authenticator(config.upstreams, config.keys)

test('a named key with models may ask only for a model one of its globs matches', () => {
  const scoped = auth.authenticate('Bearer scoped-key')
  for (const model of ['gpt-4o', 'gpt-4o-mini', 'fast', 'o3-mini']) assert.equal(mayUseModel(scoped, model), true, model)
  for (const model of ['gpt-4', 'fast-2', 'faster', 'o3-mini-high', 'claude-3', '']) assert.equal(mayUseModel(scoped, model), false, model)
})

test('a named key without models, a predecessor key and a keyless client may ask for any model', () => {
  for (const header of ['Bearer all-key', 'Bearer old-key', undefined, 'Bearer unknown']) {
    assert.equal(mayUseModel(auth.authenticate(header), 'claude-3'), true, header)
  }
})
