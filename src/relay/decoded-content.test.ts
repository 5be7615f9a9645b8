// decodedContent: an error body's content coding undone, within bounds, or undefined.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { decodedContent, maxDecodedBytes } from './decoded-content.js'

const text = Buffer.from('{"error":{"message":"bad key sk-decoded-0042"}}')

test('gzip, x-gzip, deflate (zlib or raw), br and stacked codings are undone; no coding or identity is the bytes', () => {
  assert.deepEqual(decodedContent(gzipSync(text), 'gzip'), text)
  assert.deepEqual(decodedContent(gzipSync(text), 'X-Gzip'), text)
  assert.deepEqual(decodedContent(deflateSync(text), 'deflate'), text)
  assert.deepEqual(decodedContent(deflateRawSync(text), 'deflate'), text)
  assert.deepEqual(decodedContent(brotliCompressSync(text), 'br'), text)
  // Applied gzip first, then br: undone in reverse.
  assert.deepEqual(decodedContent(brotliCompressSync(gzipSync(text)), 'gzip, br'), text)
  assert.equal(decodedContent(text, undefined), text)
  assert.equal(decodedContent(text, 'identity'), text)
})

test('an unknown coding, corrupt or cut bytes, and a body that decodes past the bound are undefined', () => {
  assert.equal(decodedContent(text, 'compress'), undefined)
  assert.equal(decodedContent(text, 'gzip'), undefined)
  const gzipped = gzipSync(text)
  assert.equal(decodedContent(gzipped.subarray(0, gzipped.length - 4), 'gzip'), undefined)
  // A few KB that would grow past the bound.
  const bomb = gzipSync(Buffer.alloc(maxDecodedBytes + 1))
  assert.ok(bomb.length < 16 * 1024)
  assert.equal(decodedContent(bomb, 'gzip'), undefined)
})
