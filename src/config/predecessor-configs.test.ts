// The predecessor's own config.sample.yaml and every README example load unchanged, with the meaning they had.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { loadConfigFile } from './load-config.js'

// Tests run from dist/src/config/; the fixtures stay in the source tree.
const fixture = (name: string): string => fileURLToPath(new URL(`../../../tests/fixtures/config/${name}`, import.meta.url))

test('config.sample.yaml', () => {
  const { config, warnings } = loadConfigFile(fixture('config.sample.yaml'), {})
  assert.equal(config.lbPolicy, 'order')
  assert.equal(config.dbType, 'sqlite')
  assert.equal(config.dbAddr, './db.sqlite')
  assert.deepEqual(config.listen, { host: '', port: 8888 })
  const [first, second, replicate] = config.upstreams
  assert.equal(config.upstreams.length, 3)
  assert.deepEqual(first?.credential, { kind: 'key', key: 'secret_key_1' })
  assert.equal(first?.endpoint, 'https://api.openai.com/v2')
  assert.deepEqual(first?.allow, ['gpt-3.5-trubo'])
  assert.equal(first?.firstByteTimeoutMs, 120_000)
  assert.equal(second?.firstByteTimeoutMs, 30_000)
  assert.equal(second?.streamFirstByteTimeoutMs, 10_000)
  assert.deepEqual(second?.deny, ['gpt-4'])
  assert.equal(replicate?.type, 'replicate')
  assert.equal(replicate?.endpoint, 'https://api.replicate.com/v1')
  assert.deepEqual(replicate?.allowedHosts, [
    'api.replicate.com',
    'stream.replicate.com',
    'streaming.api.replicate.com',
    'streaming-api.replicate.com',
  ])
  for (const upstream of config.upstreams) assert.deepEqual(upstream.clientKeys, ['woshimima'])
  // The predecessor's Replicate upstream is served again: nothing to warn about.
  assert.deepEqual(warnings, [])
})

test('the README example with four upstreams', () => {
  const { config } = loadConfigFile(fixture('readme-example.yaml'), {})
  const summary = config.upstreams.map((u) => [u.name, u.type, u.firstByteTimeoutMs, u.streamFirstByteTimeoutMs, u.allow, u.deny])
  assert.deepEqual(summary, [
    ['localhost:8888/v1', 'openai', 120_000, 10_000, ['/v1/audio/transcriptions'], []],
    ['api.openai.com/v2', 'openai', 120_000, 10_000, ['gpt-3.5-trubo', 'gpt-3.5-trubo-0613'], []],
    ['api.openai.com/v1', 'openai', 30_000, 10_000, [], ['gpt-4']],
    ['api.replicate.com/v1', 'replicate', 120_000, 10_000, ['mistralai/mixtral-8x7b-instruct-v0.1'], []],
  ])
  assert.deepEqual(config.upstreams[0]?.credential, { kind: 'key', key: 'hahaha' })
  assert.deepEqual(config.upstreams[0]?.clientKeys, ['woshimima'])
})

test('the README example with several client keys', () => {
  const { config, warnings } = loadConfigFile(fixture('readme-multiple-keys.yaml'), {})
  assert.equal(config.upstreams.length, 0)
  assert.match(warnings.join('\n'), /no upstreams/)
})

test('the README example with a key for one upstream', () => {
  const { config, warnings } = loadConfigFile(fixture('readme-upstream-keys.yaml'), {})
  assert.equal(config.upstreams.length, 1)
  assert.deepEqual(config.upstreams[0]?.clientKeys, ['woshimima'])
  assert.deepEqual(config.upstreams[0]?.credential, { kind: 'key', key: 'key' })
  assert.equal(config.upstreams[0]?.endpoint, 'https://api.openai.com/v1')
  assert.deepEqual(warnings, [])
})

test('the README complex example: a noauth upstream and a guest-only upstream without sk', () => {
  const { config, warnings } = loadConfigFile(fixture('readme-complex.yaml'), {})
  const [speech, guest] = config.upstreams
  assert.equal(speech?.endpoint, 'http://localhost:5000/v1')
  assert.equal(speech?.noauth, true)
  assert.deepEqual(speech?.allow, ['/v1/audio/transcriptions'])
  assert.deepEqual(speech?.clientKeys, ['woshimima'])
  assert.deepEqual(guest?.credential, { kind: 'none' })
  assert.deepEqual(guest?.clientKeys, ['guest'])
  assert.equal(guest?.noauth, false)
  assert.deepEqual(guest?.allow, ['gpt-3.5-turbo-0125'])
  assert.deepEqual(warnings, [])
})
