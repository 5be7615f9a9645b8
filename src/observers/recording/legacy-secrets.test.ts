// scrubLegacySecrets: the predecessor's Authorization headers and upstream keys become fingerprints.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keyDigest, keyFingerprint } from '../../auth/key-digest.js'
import { alwaysRedactedHeaders } from '../../config/records-schema.js'
import { isScrubbed, scrubLegacySecrets, type LegacySecrets } from './legacy-secrets.js'

const redact = new Set(alwaysRedactedHeaders)
const fingerprint = (key: string): string => keyFingerprint(keyDigest(key))
/** A predecessor row; the endpoint and answer hold nothing unless given. */
const row = (fields: Partial<LegacySecrets>): LegacySecrets => ({
  authorization: null,
  upstream_sk: null,
  upstream_endpoint: null,
  headers: null,
  response: null,
  ...fields,
})

test('client key and upstream key become the fingerprints new rows use', () => {
  const scrubbed = scrubLegacySecrets(row({ authorization: 'Bearer k-1234567890', upstream_sk: 'sk-abcdef', headers: null }), redact)
  assert.deepEqual(scrubbed, row({ authorization: fingerprint('k-1234567890'), upstream_sk: fingerprint('sk-abcdef') }))
  assert.ok(isScrubbed(scrubbed))
  assert.deepEqual(scrubLegacySecrets(scrubbed, redact), scrubbed, 'scrubbing twice changes nothing')
})

test('empty values, asis and NULLs stay as they are', () => {
  const clean = row({ authorization: '', upstream_sk: 'asis', upstream_endpoint: 'https://api.openai.com/v1', response: 'asis' })
  assert.ok(isScrubbed(clean))
  assert.deepEqual(scrubLegacySecrets(clean, redact), clean)
  assert.deepEqual(scrubLegacySecrets(row({}), redact), row({}))
})

test("headers: redacted in Go's JSON shape; outside JSON the known secrets are cut out", () => {
  const json = scrubLegacySecrets(
    row({ authorization: 'Bearer k-1234567890', upstream_sk: '', headers: '{"Authorization":["Bearer k-1234567890"],"Accept":["*/*"]}' }),
    redact,
  )
  assert.deepEqual(JSON.parse(json.headers ?? ''), { Authorization: ['[redacted]'], Accept: ['*/*'] })
  const text = scrubLegacySecrets(
    row({ authorization: 'Bearer k-1234567890', upstream_sk: '', headers: 'map[Authorization:[Bearer k-1234567890]]' }),
    redact,
  )
  assert.equal(text.headers, 'map[Authorization:[[redacted]]]')
})

test('a raw key is never mistaken for a fingerprint', () => {
  assert.equal(isScrubbed(row({ authorization: 'Bearer key-0123456789ab', upstream_sk: '', headers: null })), false)
  assert.equal(isScrubbed(row({ authorization: 'sk-live', upstream_sk: '', headers: null })), false)
  assert.equal(isScrubbed(row({ authorization: '', upstream_sk: 'sk-live', headers: null })), false)
})

test("an endpoint's user:password@ is taken out, and the answer loses every secret of the row in every form", () => {
  const basic = Buffer.from('gw:pa55-w/rd').toString('base64')
  const scrubbed = scrubLegacySecrets(
    row({
      authorization: 'Bearer k-1234567890',
      upstream_sk: '',
      upstream_endpoint: 'https://gw:pa55-w%2Frd@proxy.example/v1',
      response: `{"error":"bad pa55-w\\/rd, ${basic}, k-1234567890"} pa55-w%2Frd`,
    }),
    redact,
  )
  assert.equal(scrubbed.upstream_endpoint, 'https://proxy.example/v1')
  assert.equal(scrubbed.response, '{"error":"bad [redacted], [redacted], [redacted]"} [redacted]')
  assert.ok(isScrubbed(scrubbed))
  // A row with no key but credentials in its endpoint is not yet scrubbed.
  assert.equal(isScrubbed(row({ upstream_endpoint: 'https://gw:pw-1234@proxy.example/v1' })), false)
  // An upstream key echoed in the answer goes too.
  assert.equal(scrubLegacySecrets(row({ upstream_sk: 'sk-abcdef-9', response: 'key sk-abcdef-9' }), redact).response, 'key [redacted]')
})
