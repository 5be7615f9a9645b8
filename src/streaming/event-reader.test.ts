// EventReader: each whole event once, with its byte range; one data line sliced, other shapes as SseParser reads them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventReader } from './event-reader.js'

function read(reader: EventReader, text: string): Array<[string, string, string]> {
  const bytes = Buffer.from(text)
  const seen: Array<[string, string, string]> = []
  reader.read(bytes, (event, start, end) => seen.push([event.event, event.data, bytes.subarray(start, end).toString()]))
  return seen
}

test('each event with the bytes it came in, blank line included; an unfinished one is left', () => {
  const text = 'data: a\n\ndata: b\n\n: comment\n\nevent: e\ndata: c\n\ndata: d'
  assert.deepEqual(read(new EventReader(), text), [
    ['', 'a', 'data: a\n\n'],
    ['', 'b', 'data: b\n\n'],
    ['e', 'c', 'event: e\ndata: c\n\n'],
  ])
})

test('CR and CRLF line ends, and several data lines, mean what they mean to the parser', () => {
  assert.deepEqual(read(new EventReader(), 'data: a\r\rdata: b\r\n\r\ndata: c\ndata: d\n\n'), [
    ['', 'a', 'data: a\r\r'],
    ['', 'b', 'data: b\r\n\r\n'],
    ['', 'c\nd', 'data: c\ndata: d\n\n'],
  ])
})

test('a byte order mark is dropped at the start of the stream only', () => {
  const reader = new EventReader()
  assert.deepEqual(read(reader, '\ufeffdata: a\n\n'), [['', 'a', '\ufeffdata: a\n\n']])
  // Later, the mark is part of a field name the parser ignores: no event.
  assert.deepEqual(read(reader, '\ufeffdata: b\n\ndata: c\n\n'), [['', 'c', 'data: c\n\n']])
})
