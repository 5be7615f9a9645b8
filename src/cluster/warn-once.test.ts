// warnOnce: a warning sent by every worker is written once; a different one is written too.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../log/logger.js'
import { warnOnce } from './warn-once.js'

test('the same warning from several workers is written once; different ones each once', () => {
  const lines: string[] = []
  const warn = warnOnce(createLogger({ level: 'info', write: (line) => lines.push(line), now: () => 0 }))
  for (let worker = 0; worker < 4; worker++) warn('node warning', { name: 'DeprecationWarning', warning: 'x is deprecated' })
  warn('node warning', { name: 'DeprecationWarning', warning: 'y is deprecated' })
  warn('token encoding could not be loaded; estimates use 4 characters per token', { error: 'Error: out of memory' })
  warn('token encoding could not be loaded; estimates use 4 characters per token', { error: 'Error: out of memory' })
  assert.deepEqual(
    lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map((line) => [line['level'], line['msg'], line['warning'] ?? line['error']]),
    [
      ['warn', 'node warning', 'x is deprecated'],
      ['warn', 'node warning', 'y is deprecated'],
      ['warn', 'token encoding could not be loaded; estimates use 4 characters per token', 'Error: out of memory'],
    ],
  )
})
