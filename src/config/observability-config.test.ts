// metrics:, alerts: and log_level: in config.yaml, and the predecessor's FEISHU_WEBHOOK / MATRIX_API variables.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from './config-error.js'
import { configFromEnvironment } from './env-config.js'
import { parseConfigText, type LoadedConfig } from './load-config.js'

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`
const load = (text: string, env: NodeJS.ProcessEnv = {}): LoadedConfig => parseConfigText(text, 'config.yaml', env)
const problems = (text: string): string => {
  try {
    load(text)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return error.message
  }
  throw new Error('expected a ConfigError')
}

test('defaults: no sinks, no metrics key, no log level, the documented thresholds', () => {
  const { config } = load(yaml('upstreams:', '  - sk: a'))
  assert.equal(config.logLevel, undefined)
  assert.deepEqual(config.metrics, { key: undefined, models: [], maxModels: 100 })
  assert.deepEqual(config.alerts, {
    sinks: [],
    failuresToOpen: 3,
    successesToRecover: 3,
    repeatIntervalMs: 1_800_000,
    maxPerHour: 20,
    storeBacklog: 5000,
    storeCheckIntervalMs: 10_000,
  })
})

test("the issue's example alerts section, with ${VAR} secrets", () => {
  const { config } = load(
    yaml(
      'log_level: warn',
      'metrics:',
      '  key: ${METRICS_KEY}',
      '  models: [gpt-4o]',
      '  max_models: 20',
      'alerts:',
      '  feishu:',
      '    - webhook: https://open.feishu.cn/open-apis/bot/v2/hook/XXXX',
      '      secret: ${FEISHU_SECRET}',
      '    - webhook: https://open.feishu.cn/open-apis/bot/v2/hook/YYYY',
      '  matrix:',
      '    - homeserver: https://matrix.example.org',
      '      access_token: ${MATRIX_TOKEN}',
      '      room_id: "!room:example.org"',
      '  repeat_interval: 600',
      '  max_per_hour: 5',
      'upstreams:',
      '  - sk: a',
    ),
    { FEISHU_SECRET: 'fs', MATRIX_TOKEN: 'mt', METRICS_KEY: 'mk' },
  )
  assert.equal(config.logLevel, 'warn')
  assert.deepEqual(config.metrics, { key: 'mk', models: ['gpt-4o'], maxModels: 20 })
  assert.deepEqual(config.alerts.sinks, [
    { kind: 'feishu', webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/XXXX', secret: 'fs' },
    { kind: 'feishu', webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/YYYY', secret: undefined },
    { kind: 'matrix', homeserver: 'https://matrix.example.org', accessToken: 'mt', roomId: '!room:example.org' },
  ])
  assert.equal(config.alerts.repeatIntervalMs, 600_000)
  assert.equal(config.alerts.maxPerHour, 5)
})

test('FEISHU_WEBHOOK and MATRIX_API each add one sink; the same webhook twice is one sink', () => {
  const env = { FEISHU_WEBHOOK: 'https://open.feishu.cn/open-apis/bot/v2/hook/XXXX', MATRIX_API: 'http://127.0.0.1:9000/send' }
  const { config } = load(yaml('upstreams:', '  - sk: a'), env)
  assert.deepEqual(config.alerts.sinks, [
    { kind: 'feishu', webhook: env.FEISHU_WEBHOOK, secret: undefined },
    { kind: 'matrix_legacy', url: env.MATRIX_API },
  ])
  const both = load(yaml('alerts:', '  feishu:', `    - webhook: ${env.FEISHU_WEBHOOK}`, 'upstreams:', '  - sk: a'), {
    FEISHU_WEBHOOK: env.FEISHU_WEBHOOK,
  })
  assert.equal(both.config.alerts.sinks.length, 1)
  assert.deepEqual(
    configFromEnvironment({ ...env, OPENAI_API_KEY: 'k' }).config.alerts.sinks.map((sink) => sink.kind),
    ['feishu', 'matrix_legacy'],
  )
})

test('an unusable variable is a warning, not a sink', () => {
  const loaded = load(yaml('upstreams:', '  - sk: a'), { MATRIX_API: 'not a url' })
  assert.deepEqual(loaded.config.alerts.sinks, [])
  assert.ok(loaded.warnings.some((warning) => warning.includes('MATRIX_API is not an http(s) URL: ignored')))
})

test('log_level takes any case, as LOG_LEVEL does', () => {
  assert.equal(load(yaml('log_level: DEBUG', 'upstreams:', '  - sk: a')).config.logLevel, 'debug')
  assert.equal(load(yaml('log_level: Warn', 'upstreams:', '  - sk: a')).config.logLevel, 'warn')
  assert.match(
    problems(yaml('log_level: Loud', 'upstreams:', '  - sk: a')),
    /log_level: expected one of "debug", "info", "warn", "error", "silent", got "Loud"/,
  )
})

test('problems in the new sections are reported at their keys', () => {
  const message = problems(
    yaml(
      'log_level: loud',
      'alerts:',
      '  matrix:',
      '    - homeserver: https://matrix.example.org',
      '      access_token: t',
      '      room_id: "#alias:example.org"',
      '  max_per_hour: 0',
      '  feishu:',
      '    - secret: s',
      'metrics:',
      '  keys: x',
    ),
  )
  assert.match(message, /config\.yaml:1:\d+ log_level: expected one of "debug", "info", "warn", "error", "silent", got "loud"/)
  assert.match(message, /config\.yaml:6:\d+ alerts\.matrix\[0\]\.room_id: expected a room id such as "!abc123:example\.org"/)
  assert.match(message, /config\.yaml:7:\d+ alerts\.max_per_hour: must be at least 1/)
  assert.match(message, /alerts\.feishu\[0\]\.webhook: expected a string, got nothing/)
  assert.match(message, /config\.yaml:11:\d+ metrics\.keys: unknown key/)
})
