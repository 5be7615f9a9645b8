// maskKey: every key is shown the same way, as its fingerprint, and no character of it shows.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keyDigest, keyFingerprint } from './key-digest.js'
import { maskKey } from './mask-key.js'

test('keys of any length are shown in the same form: their fingerprint', () => {
  for (const key of ['sk-proj-abcdefghijklmnop1234', '0123456789abcde', '01234567', 'k']) {
    assert.match(maskKey(key), /^key-[0-9a-f]{12}$/, key)
    assert.equal(maskKey(key), keyFingerprint(keyDigest(key)), 'the same fingerprint as request logs and records')
  }
})

test('no part of the key shows, and different keys look different', () => {
  const key = 'sk-proj-abcdefghijklmnop1234'
  assert.equal(maskKey(key).includes('1234'), false)
  assert.notEqual(maskKey('client-key-one'), maskKey('client-key-two'))
})
