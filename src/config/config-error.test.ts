// ConfigError: one line per problem, in the FILE:LINE:COL form editors and CI annotate.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, formatConfigPath } from './config-error.js'

test('message and toString list every problem on its own line', () => {
  const error = new ConfigError([
    { file: 'config.yaml', line: 7, col: 5, path: 'upstreams[1].timeout', message: 'expected a number' },
    { file: 'config.yaml', line: 1, col: 1, path: '', message: 'bad' },
    { file: 'environment', line: 0, col: 0, path: 'OPENAI_BASE_URL', message: 'expected a URL' },
  ])
  const expected = [
    'config.yaml:7:5 upstreams[1].timeout: expected a number',
    'config.yaml:1:1: bad',
    'environment OPENAI_BASE_URL: expected a URL',
  ].join('\n')
  assert.equal(error.message, expected)
  assert.equal(String(error), expected)
  assert.equal(error.code, 'CONFIG_INVALID')
  assert.equal(error.name, 'ConfigError')
  assert.ok(error instanceof Error)
  assert.equal(error.problems.length, 3)
})

test('paths use dots for words, brackets for indexes and odd keys', () => {
  assert.equal(formatConfigPath(['upstreams', 0, 'endpiont']), 'upstreams[0].endpiont')
  assert.equal(formatConfigPath(['upstreams', 2, 'deployments', 'gpt-4o']), 'upstreams[2].deployments.gpt-4o')
  assert.equal(formatConfigPath(['deployments', 'a.b c']), 'deployments["a.b c"]')
  assert.equal(formatConfigPath([]), '')
})
