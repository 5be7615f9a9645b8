// SseParser: event framing as the WHATWG event-stream rules define it, however the bytes are split.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeSseData, SseParser, type SseEvent } from './sse-parser.js'

function parse(...chunks: Array<string | Buffer>): SseEvent[] {
  const events: SseEvent[] = []
  const parser = new SseParser((event) => events.push(event))
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return events
}

test('each blank line ends an event; data lines join with a newline', () => {
  assert.deepEqual(parse('data: {"a":1}\n\ndata: first\ndata: second\n\n'), [
    { event: '', data: '{"a":1}', id: undefined },
    { event: '', data: 'first\nsecond', id: undefined },
  ])
})

test('LF, CRLF and CR line endings are all line endings', () => {
  for (const text of ['data: x\n\n', 'data: x\r\n\r\n', 'data: x\r\r', 'data: x\n\r\n', 'data: x\r\n\n']) {
    assert.deepEqual(
      parse(text).map((e) => e.data),
      ['x'],
      JSON.stringify(text),
    )
  }
})

test('a CRLF split across two chunks is one line ending, not an extra blank line', () => {
  const events = parse('data: a\r', '\ndata: b\r\n\r\n')
  assert.deepEqual(
    events.map((e) => e.data),
    ['a\nb'],
  )
})

test('an event split at any byte is parsed the same', () => {
  const text = 'event: message\r\ndata: {"content":"héllo 世界"}\r\nid: 7\r\n\r\ndata: [DONE]\n\n'
  const bytes = Buffer.from(text)
  const whole = parse(bytes)
  assert.equal(whole.length, 2)
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(parse(bytes.subarray(0, cut), bytes.subarray(cut)), whole, `cut at byte ${cut}`)
  }
  const oneByteAtATime = parse(...Array.from(bytes, (b) => Buffer.from([b])))
  assert.deepEqual(oneByteAtATime, whole)
  assert.deepEqual(whole[0], { event: 'message', data: '{"content":"héllo 世界"}', id: '7' })
})

test('the event field names the event; it resets after each event', () => {
  assert.deepEqual(parse('event: error\ndata: {"error":{}}\n\ndata: next\n\n'), [
    { event: 'error', data: '{"error":{}}', id: undefined },
    { event: '', data: 'next', id: undefined },
  ])
})

test('the last event id carries over to later events, and an id with NUL is ignored', () => {
  const events = parse('id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\n')
  assert.deepEqual(
    events.map((e) => e.id),
    ['1', '1', '1'],
  )
})

test('comments, unknown fields and retry lines are ignored; a blank line without data dispatches nothing', () => {
  const events = parse(': keep-alive\n\nretry: 1000\nfoo: bar\n\n:comment\ndata: real\n\n')
  assert.deepEqual(
    events.map((e) => e.data),
    ['real'],
  )
})

test('only one space after the colon is removed; a field without a colon has an empty value', () => {
  assert.deepEqual(
    parse('data:  two spaces\n\ndata:nospace\n\ndata\n\n').map((e) => e.data),
    [' two spaces', 'nospace', ''],
  )
})

test('an event without its blank line is not dispatched, and end() drops it', () => {
  const events: SseEvent[] = []
  const parser = new SseParser((event) => events.push(event))
  parser.push(Buffer.from('data: complete\n\ndata: partial\n'))
  assert.deepEqual(
    events.map((e) => e.data),
    ['complete'],
  )
  parser.end()
  parser.push(Buffer.from('data: after\n\n'))
  assert.deepEqual(
    events.map((e) => e.data),
    ['complete', 'after'],
  )
})

test('a leading UTF-8 byte order mark is not part of the first field name', () => {
  const events = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: first\n\n')]))
  assert.deepEqual(
    events.map((e) => e.data),
    ['first'],
  )
})

test('encodeSseData frames one data event as OpenAI does', () => {
  assert.equal(encodeSseData('{"a":1}'), 'data: {"a":1}\n\n')
  assert.deepEqual(
    parse(encodeSseData('{"a":1}')).map((e) => e.data),
    ['{"a":1}'],
  )
})

test('an event larger than maxEventBytes stops the parser: push() returns false and nothing of it is dispatched', () => {
  const events: SseEvent[] = []
  const parser = new SseParser((event) => events.push(event), { maxEventBytes: 64 })
  assert.equal(parser.push(Buffer.from('data: small\n\n')), true)
  assert.equal(parser.push(Buffer.from(`data: ${'x'.repeat(40)}`)), true)
  assert.equal(parser.push(Buffer.from(`${'x'.repeat(40)}\n\n`)), false)
  assert.equal(parser.push(Buffer.from('data: after\n\n')), false)
  assert.deepEqual(
    events.map((e) => e.data),
    ['small'],
  )
})

test('a multi-megabyte event split into many reads is one event', () => {
  const content = 'é'.repeat(3 * 1024 * 1024)
  const bytes = Buffer.from(`data: ${content}\n\n`)
  const pieces: Buffer[] = []
  // Odd-sized pieces, so two-byte characters are split between reads.
  for (let at = 0; at < bytes.length; at += 65_537) pieces.push(bytes.subarray(at, at + 65_537))
  const events = parse(...pieces)
  assert.equal(events.length, 1)
  assert.equal(events[0]?.data, content)
})
