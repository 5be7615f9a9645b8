// parseConfigText problems: every one reported at once, each at the line and column to fix.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError } from './config-error.js'
import { loadConfigFile, parseConfigText } from './load-config.js'

function problemLines(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'config.yaml', env)
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    assert.equal(error.code, 'CONFIG_INVALID')
    return error.message.split('\n')
  }
  assert.fail('expected a ConfigError')
}

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`

test('an unknown key is named and pointed at', () => {
  const text = yaml('upstreams:', '  - sk: a', '    endpiont: https://example.com/v1', 'lb_polcy: order')
  assert.deepEqual(problemLines(text), ['config.yaml:3:5 upstreams[0].endpiont: unknown key', 'config.yaml:4:1 lb_polcy: unknown key'])
})

test('a mistyped value points at the value', () => {
  const text = yaml(
    'authorization: k',
    'upstreams:',
    '  - sk: a',
    '  - sk: b',
    '    noauth: false',
    '    stream_timeout: 5',
    '    timeout: soon',
  )
  assert.deepEqual(problemLines(text), ['config.yaml:7:14 upstreams[1].timeout: expected a number, got a string'])
})

test('all problems are reported together, in file order, with the problem structure', () => {
  const text = yaml(
    'address: 8888',
    'lb_policy: fastest',
    'timeout: -1',
    'max_body_size: 10 parsecs',
    'upstreams:',
    '  - type: azure',
    '    bogus: 1',
    '  - noauth: "yes"',
    '    allow: [a, {b: c}]',
    '  - just a string',
  )
  assert.deepEqual(problemLines(text), [
    'config.yaml:1:10 address: expected "host:port", ":port" or "[ipv6]:port" with a port from 0 to 65535',
    'config.yaml:2:12 lb_policy: expected one of "order", "random", "weighted", "latency", got "fastest"',
    'config.yaml:3:10 timeout: must be 0 or more seconds',
    'config.yaml:4:16 max_body_size: expected a number of bytes or a size such as "32MiB", "10MB" or "512KiB"',
    'config.yaml:6:5 upstreams[0].endpoint: is required for type azure (e.g. https://<resource>.openai.azure.com/openai)',
    'config.yaml:7:5 upstreams[0].bogus: unknown key',
    'config.yaml:8:13 upstreams[1].noauth: expected true or false, got a string',
    'config.yaml:9:16 upstreams[1].allow[1]: expected a string, got a map',
    'config.yaml:10:5 upstreams[2]: expected a map, got a string',
  ])
  try {
    parseConfigText(text, 'config.yaml', {})
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    assert.deepEqual(error.problems[0], { file: 'config.yaml', line: 1, col: 10, path: 'address', message: error.problems[0]?.message })
  }
})

test('a missing required key points at the map it belongs in', () => {
  const text = yaml('authorization: k', 'upstreams:', '  - type: azure', '    sk: a')
  assert.deepEqual(problemLines(text), [
    'config.yaml:3:5 upstreams[0].endpoint: is required for type azure (e.g. https://<resource>.openai.azure.com/openai)',
  ])
})

test('YAML syntax errors carry their position', () => {
  const lines = problemLines(yaml('authorization: k', 'upstreams:', '  - sk: [a, b', 'timeout: 1'))
  assert.ok(lines.length >= 1)
  assert.match(lines[0] ?? '', /^config\.yaml:\d+:\d+: \S/)
  assert.deepEqual(problemLines(yaml('timeout: 1', 'timeout: 2')), ['config.yaml:2:1: Map keys must be unique'])
  assert.deepEqual(problemLines(yaml('upstreams:', '  - sk: a', '   bad indent: x')).length > 0, true)
})

test('an unset ${VAR} is reported at its value, once, beside other problems', () => {
  const text = yaml(
    'authorization: ${CLIENT_KEYS}',
    'timeout: ${TIMEOUT}',
    'upstreams:',
    '  - sk: "Bearer ${KEY_A}-${KEY_B}"',
    '    typo: 1',
  )
  assert.deepEqual(problemLines(text, { KEY_A: 'a' }), [
    'config.yaml:1:16 authorization: ${CLIENT_KEYS} is not set',
    'config.yaml:2:10 timeout: ${TIMEOUT} is not set',
    'config.yaml:4:9 upstreams[0].sk: ${KEY_B} is not set',
    'config.yaml:5:5 upstreams[0].typo: unknown key',
  ])
})

test('a duplicate explicit name is a problem at the second one', () => {
  const text = yaml('authorization: k', 'upstreams:', '  - name: main', '  - name: main')
  assert.deepEqual(problemLines(text), ['config.yaml:4:11 upstreams[1].name: "main" is already the name of upstreams[0]'])
})

test('a document that is not a map', () => {
  assert.deepEqual(problemLines(yaml('- a', '- b')), ['config.yaml:1:1: expected a map, got a list'])
})

test('non-finite numbers and bad URLs are refused', () => {
  const text = yaml(
    'authorization: k',
    'stream_timeout: .inf',
    'upstreams:',
    '  - endpoint: api.openai.com/v1',
    '  - endpoint: https://x.example/v1?x=1',
  )
  assert.deepEqual(problemLines(text), [
    'config.yaml:2:17 stream_timeout: expected a number, got Infinity',
    'config.yaml:4:15 upstreams[0].endpoint: expected an http:// or https:// URL without a query or fragment',
    'config.yaml:5:15 upstreams[1].endpoint: expected an http:// or https:// URL without a query or fragment',
  ])
})

test('an unreadable file is a ConfigError naming the file, with the cause kept', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'config-')), 'missing.yaml')
  assert.throws(
    () => loadConfigFile(path, {}),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.startsWith(`${path}: cannot read the file`) &&
      (error.cause as NodeJS.ErrnoException).code === 'ENOENT',
  )
})

test('problems in a file carry the path as given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-'))
  const path = join(dir, 'config.yaml')
  writeFileSync(path, 'timeout: x\n')
  assert.throws(() => loadConfigFile(path, {}), { message: `${path}:1:10 timeout: expected a number, got a string` })
})

test('health keys out of range or unknown are pointed at, at the top level and per upstream', () => {
  const text = yaml(
    'health: { failure_rate: 1.5, failures_to_open: 0 }',
    'upstreams:',
    '  - sk: a',
    '    health: { cooldown: 0, enabeld: false }',
  )
  assert.deepEqual(problemLines(text), [
    'config.yaml:1:25 health.failure_rate: must be at most 1',
    'config.yaml:1:48 health.failures_to_open: must be at least 1',
    'config.yaml:4:25 upstreams[0].health.cooldown: must be more than 0 seconds',
    'config.yaml:4:28 upstreams[0].health.enabeld: unknown key',
  ])
})
