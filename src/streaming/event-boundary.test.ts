// lastEventBoundary: where the bytes of complete SSE events end, so only whole events are forwarded.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lastEventBoundary, nextEventEnd, nextLfEventEnd } from './event-boundary.js'

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

/** Event ends found by walking with nextEventEnd from the start. */
function walk(text: string): number[] {
  const data = Buffer.from(text)
  const ends: number[] = []
  for (let at = 0, end = nextEventEnd(data, 0); end !== -1; at = end, end = nextEventEnd(data, at)) ends.push(end)
  return ends
}

test('walking events one by one lands on the last boundary, for every mix of line endings', () => {
  const texts = [
    'data: a\n\n',
    'data: a\r\n\r\n',
    'data: a\r\r',
    'data: a\n\r\n',
    'data: a\r\n\r',
    'event: x\ndata: a\ndata: b\n\ndata: c\r\n\r\n',
    ': comment\n\ndata: a\n\ndata: partial',
    'data: a\n\n\ndata: b\n\n',
    'data: {"x":"\\n"}\n\ndata: b\n',
  ]
  for (const text of texts) {
    const ends = walk(text)
    assert.equal(ends.at(-1) ?? 0, boundary(text), JSON.stringify(text))
  }
  assert.deepEqual(walk('data: a\n\ndata: b\r\n\r\ndata: c'), [9, 20])
})

test('without CR, the native search finds the same event ends as the byte walk', () => {
  for (const text of [
    'data: a\n\nevent: x\ndata: b\n\n: c\n\ndata: partial',
    'data: a\n\ndata: b\ndata: c\n',
    'data: a\n\n\n\ndata: b\n\n',
  ]) {
    const data = Buffer.from(text)
    for (let from = 0; from < data.length; from = nextEventEnd(data, from)) {
      assert.equal(nextLfEventEnd(data, from), nextEventEnd(data, from), `${JSON.stringify(text)} from ${from}`)
      if (nextEventEnd(data, from) === -1) break
    }
  }
})
