// The `redis:` section: unset means no Redis; the prefix has a default; a URL that is not Redis's is refused where it is.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from './config-error.js'
import { parseConfigText } from './load-config.js'

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`
const load = (text: string) => parseConfigText(text, 'config.yaml', {}).config

test('no redis key: no Redis', () => {
  assert.equal(load(yaml('upstreams: []')).redis, undefined)
})

test('redis with a url takes the default prefix, or the one given', () => {
  assert.deepEqual(load(yaml('redis:', '  url: redis://127.0.0.1:6379/0')).redis, {
    url: 'redis://127.0.0.1:6379/0',
    prefix: 'openai-api-route:',
  })
  assert.deepEqual(load(yaml('redis: { url: "rediss://user:pw@cache.internal:6380", prefix: "gw-eu:" }')).redis, {
    url: 'rediss://user:pw@cache.internal:6380',
    prefix: 'gw-eu:',
  })
})

test('a redis map without a url, with another scheme, or with an unknown key is refused at its line', () => {
  const problems = (text: string): string[] => {
    try {
      parseConfigText(text, 'config.yaml', {})
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error))
      return error.message.split('\n')
    }
    assert.fail('expected a ConfigError')
  }
  assert.deepEqual(problems(yaml('redis:', '  prefix: x')), ['config.yaml:2:3 redis.url: expected a string, got nothing'])
  assert.deepEqual(problems(yaml('redis:', '  url: http://127.0.0.1:6379')), [
    'config.yaml:2:8 redis.url: expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0',
  ])
  assert.deepEqual(problems(yaml('redis:', '  url: redis://127.0.0.1', '  db: 1')), ['config.yaml:3:3 redis.db: unknown key'])
})
