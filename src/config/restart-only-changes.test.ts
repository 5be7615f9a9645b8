// What a reload cannot change is named by its key in the file and keeps its running value; the rest is the new file's.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configVersion } from './config-version.js'
import { parseConfigText } from './load-config.js'
import { effectiveConfig } from './restart-only-changes.js'

const load = (yaml: string): ReturnType<typeof parseConfigText>['config'] => parseConfigText(yaml, 'config.yaml', {}).config

test('address, dbtype, dbaddr and redis.url are named and kept; timeouts and keys are applied', () => {
  const running = load('address: "127.0.0.1:8888"\ndbtype: sqlite\ntimeout: 10\nauthorization: k1\n')
  const next = load(
    'address: "0.0.0.0:9999"\ndbtype: none\ndbaddr: other.db\nredis: { url: "redis://h:6379" }\ntimeout: 20\nauthorization: k2\n',
  )
  const { config, restartOnly } = effectiveConfig(running, next)
  assert.deepEqual(restartOnly, ['address', 'dbtype', 'dbaddr', 'redis.url'])
  assert.deepEqual(config.listen, running.listen)
  assert.equal(config.dbType, 'sqlite')
  assert.equal(config.redis, undefined)
  assert.equal(config.upstreams.length, next.upstreams.length)
  assert.deepEqual(config.upstreams[0]?.clientKeys ?? [], next.upstreams[0]?.clientKeys ?? [])
  assert.ok(Object.isFrozen(config))
})

test('the same file gives the same version; any change another', () => {
  const yaml = 'authorization: k1\ntimeout: 10\n'
  assert.equal(configVersion(load(yaml)), configVersion(load(yaml)))
  assert.notEqual(configVersion(load(yaml)), configVersion(load('authorization: k1\ntimeout: 10\nlb_policy: random\n')))
  assert.match(configVersion(load(yaml)), /^[0-9a-f]{12}$/)
})
