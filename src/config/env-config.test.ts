// configFromEnvironment: running with no config file, from OPENAI_* variables.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from './config-error.js'
import { configFromEnvironment } from './env-config.js'

test('nothing set: one keyless OpenAI upstream anyone may use, on 127.0.0.1:8888, with warnings', () => {
  const { config, warnings } = configFromEnvironment({})
  assert.equal(config.source, 'environment')
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8888 })
  assert.equal(config.dbType, 'sqlite')
  assert.equal(config.dbAddr, './db.sqlite')
  assert.equal(config.upstreams.length, 1)
  const [upstream] = config.upstreams
  assert.equal(upstream?.type, 'openai')
  assert.equal(upstream?.endpoint, 'https://api.openai.com/v1')
  assert.deepEqual(upstream?.credential, { kind: 'none' })
  assert.equal(upstream?.noauth, true)
  assert.deepEqual(upstream?.clientKeys, [])
  assert.equal(upstream?.firstByteTimeoutMs, 120_000)
  assert.equal(warnings.length, 2)
  assert.match(warnings[0] ?? '', /^environment: OPENAI_API_KEY is not set/)
  assert.match(warnings[1] ?? '', /^environment: OPENAI_API_ROUTE_KEYS is not set/)
})

test('key, base URL, client keys and address from the environment', () => {
  const { config, warnings } = configFromEnvironment({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/',
    OPENAI_API_ROUTE_KEYS: ' alice , bob,',
    OPENAI_API_ROUTE_ADDRESS: '[::1]:9000',
  })
  assert.deepEqual(config.listen, { host: '::1', port: 9000 })
  const [upstream] = config.upstreams
  assert.deepEqual(upstream?.credential, { kind: 'key', key: 'sk-test' })
  assert.equal(upstream?.endpoint, 'http://127.0.0.1:11434/v1')
  assert.equal(upstream?.name, '127.0.0.1:11434/v1')
  assert.deepEqual(upstream?.clientKeys, ['alice', 'bob'])
  assert.equal(upstream?.noauth, false)
  assert.deepEqual(warnings, [])
  assert.ok(Object.isFrozen(config) && Object.isFrozen(upstream) && Object.isFrozen(upstream?.clientKeys))
})

test('empty variables count as unset', () => {
  const { config } = configFromEnvironment({
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    OPENAI_API_ROUTE_KEYS: ' , ',
    OPENAI_API_ROUTE_ADDRESS: '',
  })
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8888 })
  assert.equal(config.upstreams[0]?.endpoint, 'https://api.openai.com/v1')
  assert.equal(config.upstreams[0]?.noauth, true)
})

test('bad values name the variable to fix', () => {
  assert.throws(
    () => configFromEnvironment({ OPENAI_BASE_URL: 'ftp://example.com', OPENAI_API_ROUTE_ADDRESS: '8888' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.code === 'CONFIG_INVALID' &&
      error.problems.map((problem) => problem.path).join(',') === 'OPENAI_API_ROUTE_ADDRESS,OPENAI_BASE_URL' &&
      /^environment OPENAI_API_ROUTE_ADDRESS: expected "host:port"/.test(error.message),
  )
})
