// scrubLegacySecrets: the predecessor's Authorization headers and upstream keys become fingerprints.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keyDigest, keyFingerprint } from '../../auth/key-digest.js'
import { alwaysRedactedHeaders } from '../../config/records-schema.js'
import { isScrubbed, scrubLegacySecrets } from './legacy-secrets.js'

const redact = new Set(alwaysRedactedHeaders)
const fingerprint = (key: string): string => keyFingerprint(keyDigest(key))

test('client key and upstream key become the fingerprints new rows use', () => {
  const scrubbed = scrubLegacySecrets({ authorization: 'Bearer k-1234567890', upstream_sk: 'sk-abcdef', headers: null }, redact)
  assert.deepEqual(scrubbed, { authorization: fingerprint('k-1234567890'), upstream_sk: fingerprint('sk-abcdef'), headers: null })
  assert.ok(isScrubbed(scrubbed))
  assert.deepEqual(scrubLegacySecrets(scrubbed, redact), scrubbed, 'scrubbing twice changes nothing')
})

test('empty values, asis and NULLs stay as they are', () => {
  const row = { authorization: '', upstream_sk: 'asis', headers: null }
  assert.ok(isScrubbed(row))
  assert.deepEqual(scrubLegacySecrets(row, redact), row)
  assert.deepEqual(scrubLegacySecrets({ authorization: null, upstream_sk: null, headers: null }, redact), { authorization: null, upstream_sk: null, headers: null })
})

test("headers: redacted in Go's JSON shape; outside JSON the known secrets are cut out", () => {
  const json = scrubLegacySecrets({ authorization: 'Bearer k-1234567890', upstream_sk: '', headers: '{"Authorization":["Bearer k-1234567890"],"Accept":["*/*"]}' }, redact)
  assert.deepEqual(JSON.parse(json.headers ?? ''), { Authorization: ['[redacted]'], Accept: ['*/*'] })
  const text = scrubLegacySecrets({ authorization: 'Bearer k-1234567890', upstream_sk: '', headers: 'map[Authorization:[Bearer k-1234567890]]' }, redact)
  assert.equal(text.headers, 'map[Authorization:[[redacted]]]')
})

test('a raw key is never mistaken for a fingerprint', () => {
  assert.equal(isScrubbed({ authorization: 'Bearer key-0123456789ab', upstream_sk: '', headers: null }), false)
  assert.equal(isScrubbed({ authorization: 'sk-live', upstream_sk: '', headers: null }), false)
  assert.equal(isScrubbed({ authorization: '', upstream_sk: 'sk-live', headers: null }), false)
})
