// maskKey: how much of a key listings and logs may show.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maskKey } from './mask-key.js'

test('long keys show their last 4 characters', () => {
  assert.equal(maskKey('sk-proj-abcdefghijklmnop1234'), '****1234')
  assert.equal(maskKey('0123456789abcdef'), '****cdef')
})

test('keys under 16 characters show 2, keys under 8 show none', () => {
  assert.equal(maskKey('0123456789abcde'), '****de')
  assert.equal(maskKey('01234567'), '****67')
  assert.equal(maskKey('0123456'), '****')
  assert.equal(maskKey(''), '****')
})
