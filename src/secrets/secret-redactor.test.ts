// SecretRedactor: an upstream's secrets cut from text, bytes and headers in the forms encoders write them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { upstreamFrom } from '../../tests/helpers/recording-sink.js'
import { formsOf, redactorFor, SecretRedactor } from './secret-redactor.js'

const key = 'sk-Tést/ké+y"&<ünï>=42'

test('plain, JSON-escaped (every common dialect) and URL-encoded forms are all cut', () => {
  const redactor = new SecretRedactor([key])
  const written = [
    key,
    JSON.stringify(key).slice(1, -1),
    JSON.stringify(key).slice(1, -1).replaceAll('/', '\\/'),
    // Python's json.dumps (ensure_ascii), Go's encoding/json (HTML-safe), both with PHP's slash.
    'sk-T\\u00e9st/k\\u00e9+y\\"&<\\u00fcn\\u00ef>=42',
    'sk-Tést/ké+y\\"\\u0026\\u003cünï\\u003e=42',
    'sk-T\\u00E9st\\/k\\u00E9+y\\"\\u0026\\u003C\\u00FCn\\u00EF\\u003E=42',
    encodeURIComponent(key),
    encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    new URLSearchParams({ k: key }).toString().slice(2),
    // Python's quote() keeps "/"; Go's QueryEscape keeps "-_.~" only; some encoders escape all but letters and digits.
    'sk-T%C3%A9st/k%C3%A9%2By%22%26%3C%C3%BCn%C3%AF%3E%3D42',
    'sk-T%C3%A9st%2Fk%C3%A9%2By%22%26%3C%C3%BCn%C3%AF%3E%3D42',
    'sk%2DT%C3%A9st%2Fk%C3%A9%2By%22%26%3C%C3%BCn%C3%AF%3E%3D42',
    'sk%2dT%c3%a9st%2fk%c3%a9%2by%22%26%3c%c3%bcn%c3%af%3e%3d42',
  ]
  for (const form of written) {
    assert.equal(redactor.redactText(`before ${form} after`), 'before [redacted] after', form)
    assert.equal(redactor.redactBytes(Buffer.from(`before ${form} after`)).toString(), 'before [redacted] after', form)
  }
})

test('bytes without a secret come back as the same buffer; bytes cut inside a UTF-8 sequence stay intact', () => {
  const redactor = new SecretRedactor([key])
  const clean = Buffer.from('nothing to see héré')
  assert.equal(redactor.redactBytes(clean), clean)
  const text = Buffer.from(`${key} é`)
  const cut = text.subarray(0, text.length - 1) // ends in half of "é"
  const out = redactor.redactBytes(cut)
  assert.deepEqual(out, Buffer.concat([Buffer.from('[redacted] '), Buffer.from([0xc3])]))
})

test('header values are searched, names are kept unless they hold a secret; short secrets are not redacted', () => {
  const redactor = new SecretRedactor([key, 'abc'])
  assert.deepEqual(redactor.redactHeaders(['www-authenticate', `Bearer error="${key}"`, 'x-abc', 'abc']), [
    'www-authenticate',
    'Bearer error="[redacted]"',
    'x-abc',
    'abc',
  ])
  assert.equal(new SecretRedactor(['abc']).empty, true)
  // Names arrive lower-cased: a key with capitals is found in them all the same, in any of its forms.
  const upper = new SecretRedactor(['SK-Name-Key-0042'])
  assert.deepEqual(
    upper.redactHeaders([
      'x-sk-name-key-0042',
      '1',
      'x-ok',
      'SK-Name-Key-0042',
      `x-${encodeURIComponent('SK-Name-Key-0042').toLowerCase()}-u`,
      '2',
    ]),
    ['x-ok', '[redacted]'],
  )
})

test('formsOf lists each form once, the plain one first', () => {
  const forms = formsOf(key)
  assert.equal(forms[0], key)
  assert.equal(new Set(forms).size, forms.length)
  assert.deepEqual(formsOf('sk-plain0123'), [
    'sk-plain0123',
    'sk\\u002dplain0123',
    'sk\\u002Dplain0123',
    'sk%2Dplain0123',
    'sk%2dplain0123',
  ])
})

test("an upstream's secrets: its key, its endpoint's password and Basic token; with sk: asis, the client's own key", () => {
  const keyed = redactorFor(upstreamFrom('sk: sk-upstream-0042', 'endpoint: http://user:pass-0042@127.0.0.1:9/v1'))
  const token = Buffer.from('user:pass-0042').toString('base64')
  assert.equal(keyed.redactText(`sk-upstream-0042 pass-0042 Basic ${token}`), '[redacted] [redacted] Basic [redacted]')
  const asis = upstreamFrom('sk: asis')
  assert.equal(redactorFor(asis, 'Bearer client-key-0042').redactText('echo client-key-0042'), 'echo [redacted]')
  assert.equal(redactorFor(asis).empty, true)
  // Built once per upstream config.
  const upstream = upstreamFrom('sk: sk-upstream-0042')
  assert.equal(redactorFor(upstream), redactorFor(upstream))
})
