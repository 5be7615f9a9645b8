// resolveLogLevel: LOG_LEVEL wins over the file, and a name that is no level is an error.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../config/config-error.js'
import { resolveLogLevel } from './resolve-log-level.js'

test('LOG_LEVEL, in any case, wins over the file; unset or empty, the file; else info', () => {
  assert.equal(resolveLogLevel({ LOG_LEVEL: 'DEBUG' }, 'warn'), 'debug')
  assert.equal(resolveLogLevel({ LOG_LEVEL: 'error' }, undefined), 'error')
  assert.equal(resolveLogLevel({}, 'warn'), 'warn')
  assert.equal(resolveLogLevel({ LOG_LEVEL: '' }, 'warn'), 'warn')
  assert.equal(resolveLogLevel({}, undefined), 'info')
})

test('an unknown LOG_LEVEL is an error naming the variable, the value and the levels', () => {
  for (const value of ['verbose', 'trace', 'information', '1']) {
    assert.throws(
      () => resolveLogLevel({ LOG_LEVEL: value }, 'info'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes('LOG_LEVEL') &&
        error.message.includes(`"${value}"`) &&
        error.message.includes('debug, info, warn, error'),
      value,
    )
  }
})
