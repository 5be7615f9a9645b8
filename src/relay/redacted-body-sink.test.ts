// RedactedBodySink: a non-2xx body the client gets, its secrets cut; held whole for its length unless large.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FakeAttemptContext } from '../../tests/helpers/fake-attempt-context.js'
import { RedactedBodySink } from './redacted-body-sink.js'
import { maxHeldBodyBytes, RedactingBody } from './redacting-body.js'
import { SecretRedactor } from '../secrets/secret-redactor.js'

const secret = 'sk-upstream-secret-0123456789'

test('a small body is held to its end and committed with the length of its redacted bytes', () => {
  const redactor = new SecretRedactor([secret])
  const context = new FakeAttemptContext(redactor)
  const sink = new RedactedBodySink(context, new RedactingBody(redactor), 404)
  sink.push(Buffer.from(`{"error":"no key ${secret}"}`))
  assert.equal(context.committed, false)
  sink.end()
  assert.equal(context.res.body, '{"error":"no key [redacted]"}')
  assert.equal(context.commits[0]?.change?.contentLength, Buffer.byteLength(context.res.body))
})

test('a large body commits without a length and streams, a secret split across reads still cut', () => {
  const redactor = new SecretRedactor([secret])
  const context = new FakeAttemptContext(redactor)
  const sink = new RedactedBodySink(context, new RedactingBody(redactor), 404)
  sink.push(Buffer.alloc(maxHeldBodyBytes, 'a'))
  sink.push(Buffer.from(`b ${secret.slice(0, 10)}`))
  assert.deepEqual(context.commits, [{ change: { contentLength: undefined } }])
  sink.push(Buffer.from(`${secret.slice(10)} c`))
  sink.end()
  assert.ok(context.res.body.endsWith('b [redacted] c'))
  assert.equal(context.res.body.length, maxHeldBodyBytes + 'b [redacted] c'.length)
})
