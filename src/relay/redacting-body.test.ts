// RedactingBody: a non-2xx body cut of secrets, held whole when small, relayed in pieces when large.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maxHeldBodyBytes, RedactingBody } from './redacting-body.js'
import { SecretRedactor } from './secret-redactor.js'

const key = 'sk-redacting-body-key-0042'
const redactor = new SecretRedactor([key])

test('a small body is held whole; changed tells whether a secret was cut', () => {
  const body = new RedactingBody(redactor)
  assert.equal(body.hold(Buffer.from(`{"error":"bad ${key.slice(0, 5)}`)), true)
  assert.equal(body.hold(Buffer.from(`${key.slice(5)}"}`)), true)
  assert.deepEqual(body.whole(), { bytes: Buffer.from('{"error":"bad [redacted]"}'), changed: true })
  const clean = new RedactingBody(redactor)
  clean.hold(Buffer.from('{"error":"not found"}'))
  assert.equal(clean.whole().changed, false)
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
