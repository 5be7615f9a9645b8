// lastEventBoundary: where the bytes of complete SSE events end, so only whole events are forwarded.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lastEventBoundary } from './event-boundary.js'

const boundary = (text: string): number => lastEventBoundary(Buffer.from(text))

test('a buffer of whole events ends at its length, for every blank-line form', () => {
  for (const text of ['data: a\n\n', 'data: a\r\n\r\n', 'data: a\r\r', 'data: a\n\ndata: b\n\n']) {
    assert.equal(boundary(text), text.length, JSON.stringify(text))
  }
})

test('no complete event: 0', () => {
  for (const text of ['', '\n', 'data: a', 'data: a\n', 'data: a\r\n', 'data: a\r\ndata: b\r\n', 'data: {"x":"\\n"}\n']) {
    assert.equal(boundary(text), 0, JSON.stringify(text))
  }
})

test('a partial event after whole ones: the end of the last whole one', () => {
  const whole = 'data: a\n\ndata: b\n\n'
  assert.equal(boundary(`${whole}data: c`), whole.length)
  assert.equal(boundary(`${whole}data: c\n`), whole.length)
  const crlf = 'data: a\r\n\r\n'
  assert.equal(boundary(`${crlf}data: b\r\n`), crlf.length)
})

test('line endings mixed within one blank line still end the event', () => {
  // A line ended by LF or CR, then an empty line ended by CRLF: the event is complete after the final LF.
  for (const text of ['data: a\n\r\n', 'data: a\r\r\n', 'data: a\r\n\n']) {
    assert.equal(boundary(text), text.length, JSON.stringify(text))
    assert.equal(boundary(`${text}data: b`), text.length, `${JSON.stringify(text)} + partial`)
  }
})

test('multi-byte UTF-8 content does not confuse the scan', () => {
  const text = 'data: {"content":"世界"}\n\n'
  assert.equal(lastEventBoundary(Buffer.from(text)), Buffer.byteLength(text))
  assert.equal(lastEventBoundary(Buffer.from(`${text}data: {"content":"世`)), Buffer.byteLength(text))
})
