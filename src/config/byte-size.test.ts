// parseByteSize: the size strings max_body_size accepts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseByteSize } from './byte-size.js'

test('binary and decimal units, any case, optional space', () => {
  assert.equal(parseByteSize('32MiB'), 32 * 1024 * 1024)
  assert.equal(parseByteSize('10MB'), 10_000_000)
  assert.equal(parseByteSize('512KiB'), 512 * 1024)
  assert.equal(parseByteSize('1 gib'), 1024 ** 3)
  assert.equal(parseByteSize('2kb'), 2000)
  assert.equal(parseByteSize('100'), 100)
  assert.equal(parseByteSize('100B'), 100)
  assert.equal(parseByteSize('1.5KiB'), 1536)
})

test('ambiguous or unknown units and junk are refused', () => {
  for (const text of ['10M', '1K', '5XB', 'MiB', '-1MB', '1e3', '', 'ten MB']) assert.equal(parseByteSize(text), undefined, text)
})
