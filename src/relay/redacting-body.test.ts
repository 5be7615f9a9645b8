// RedactingBody: a non-2xx body cut of secrets, held whole when small, relayed in pieces when large.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { maxHeldBodyBytes, RedactingBody, withBodyChange, type WholeBody } from './redacting-body.js'
import { SecretRedactor } from '../secrets/secret-redactor.js'

const key = 'sk-redacting-body-key-0042'
const redactor = new SecretRedactor([key])

test('a small body is held whole; changed tells whether a secret was cut', () => {
  const body = new RedactingBody(redactor)
  assert.equal(body.hold(Buffer.from(`{"error":"bad ${key.slice(0, 5)}`)), true)
  assert.equal(body.hold(Buffer.from(`${key.slice(5)}"}`)), true)
  assert.deepEqual(body.whole(400), { bytes: Buffer.from('{"error":"bad [redacted]"}'), change: { contentLength: 26, decoded: false } })
  const clean = new RedactingBody(redactor)
  clean.hold(Buffer.from('{"error":"not found"}'))
  assert.deepEqual(clean.whole(404), { bytes: Buffer.from('{"error":"not found"}'), change: undefined })
})

test('a large body is relayed in pieces, and a key split across any two reads is still cut', () => {
  const text = `${'a'.repeat(maxHeldBodyBytes)}${key}`.repeat(3)
  for (const step of [1000, 4093, 65_537]) {
    const body = new RedactingBody(redactor)
    const out: Buffer[] = []
    for (let at = 0; at < text.length; at += step) {
      const piece = Buffer.from(text.slice(at, at + step))
      if (body.streaming) out.push(body.next(piece))
      else if (!body.hold(piece)) out.push(body.next(undefined))
    }
    const rest = body.finish()
    if (rest !== undefined) out.push(rest)
    assert.equal(Buffer.concat(out).toString(), `${'a'.repeat(maxHeldBodyBytes)}[redacted]`.repeat(3), `reads of ${step}`)
  }
})

/** The gateway's own error in place of bytes it could not search, with headers that say so. */
function assertUnreadable(whole: WholeBody, status: number): void {
  const body = JSON.parse(whole.bytes.toString()) as { error: { code: string; message: string } }
  assert.equal(body.error.code, 'upstream_status')
  assert.match(body.error.message, new RegExp(`answered ${status}`))
  assert.deepEqual(whole.change, { contentLength: whole.bytes.length, contentType: 'application/json', decoded: true })
}

test('withBodyChange replaces the headers that describe the body, and keeps the rest', () => {
  const upstream = ['content-type', 'application/octet-stream', 'content-encoding', 'gzip', 'content-length', '99', 'x-kept', 'k']
  assert.deepEqual(withBodyChange(upstream, { contentLength: 5 }), [
    'content-type',
    'application/octet-stream',
    'content-encoding',
    'gzip',
    'x-kept',
    'k',
    'content-length',
    '5',
  ])
  assert.deepEqual(withBodyChange(upstream, { contentLength: undefined, decoded: true }), [
    'content-type',
    'application/octet-stream',
    'x-kept',
    'k',
  ])
  assert.deepEqual(withBodyChange(upstream, { contentLength: 7, decoded: true, contentType: 'application/json' }), [
    'x-kept',
    'k',
    'content-type',
    'application/json',
    'content-length',
    '7',
  ])
})

test('an encoded body is held whole whatever its size, decoded, then cut; one that cannot be decoded is unreadable', () => {
  const gzipped = new RedactingBody(redactor, 'gzip')
  const encoded = gzipSync(`{"error":"bad ${key}"}`)
  assert.equal(gzipped.hold(encoded.subarray(0, 7)), true)
  assert.equal(gzipped.hold(encoded.subarray(7)), true)
  assert.deepEqual(gzipped.whole(400), { bytes: Buffer.from('{"error":"bad [redacted]"}'), change: { contentLength: 26, decoded: true } })

  // Past the bound an encoded body is not streamed (its bytes cannot be searched as they pass): it is given up.
  const large = new RedactingBody(redactor, 'gzip')
  assert.equal(large.hold(Buffer.alloc(maxHeldBodyBytes + 1)), true)
  assert.equal(large.streaming, false)
  assertUnreadable(large.whole(404), 404)

  for (const coding of ['compress', 'gzip']) {
    const body = new RedactingBody(redactor, coding)
    body.hold(Buffer.from(`not ${coding} bytes ${key}`))
    assertUnreadable(body.whole(422), 422)
  }
  // No body at all (HEAD, 304): kept as it is, headers included.
  const empty = new RedactingBody(redactor, 'gzip')
  assert.deepEqual(empty.whole(304), { bytes: Buffer.alloc(0), change: undefined })
  // identity is no coding.
  const identity = new RedactingBody(redactor, 'Identity')
  identity.hold(Buffer.from(key))
  assert.deepEqual(identity.whole(400), { bytes: Buffer.from('[redacted]'), change: { contentLength: 10, decoded: false } })
})
