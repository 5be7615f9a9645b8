// StreamTap fed by EventReader and classifyEvent: what a relayed stream said (text, tool calls, usage), whatever the
// shape its events came in.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyEvent } from './classify-event.js'
import { EventReader } from './event-reader.js'
import { SseParser } from './sse-parser.js'
import { StreamTap } from './stream-tap.js'

const chunk = (delta: object, extra: object = {}): string =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }], ...extra })
const usageOnly = JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
})

const payloads = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hel' }),
  chunk({ content: 'lo \\n "there"' }),
  chunk({ tool_calls: [{ index: 0, function: { name: 'look', arguments: '{"q":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
  usageOnly,
]

interface Seen {
  readonly done: boolean
  readonly usageOnly: boolean
}

/** Reads whole events from bytes, as the relay does. */
function fromBytes(text: string, tap = new StreamTap(), reader = new EventReader()): Seen {
  let done = false
  let usageOnly = false
  reader.read(Buffer.from(text), (event) => {
    const classified = classifyEvent('chat', event)
    tap.add(classified)
    if (classified.visibility === 'done') done = true
    if (classified.usageOnly) usageOnly = true
  })
  return { done, usageOnly }
}

/** The same payloads through one line parser for the whole text. */
function viaParser(text: string): StreamTap {
  const tap = new StreamTap()
  new SseParser((event) => tap.add(classifyEvent('chat', event))).push(Buffer.from(text))
  return tap
}

test('events read from bytes say what the parsed events say: text, tool calls, usage', () => {
  for (const ending of ['\n', '\r\n', '\r']) {
    const text = payloads.map((p) => `data: ${p}${ending}${ending}`).join('') + `data: [DONE]${ending}${ending}`
    const tap = new StreamTap()
    const seen = fromBytes(text, tap)
    const parsed = viaParser(text)
    assert.deepEqual(seen, { done: true, usageOnly: true }, JSON.stringify(ending))
    assert.equal(tap.text, 'Hello \\n "there"\nlook({"q":1})')
    assert.equal(tap.text, parsed.text)
    assert.deepEqual(tap.usage, { promptTokens: 5, completionTokens: 3, totalTokens: 8 })
    assert.deepEqual(tap.usage, parsed.usage)
  }
})

test('events of other shapes (several data lines, named events, comments, ids) go through the line parser', () => {
  const content = JSON.stringify({ choices: [{ index: 0, delta: { content: 'split' } }] })
  const half = Math.floor(content.length / 2)
  const text = [
    `: keep-alive\n\n`,
    `data:${content.slice(0, half)}\ndata:${content.slice(half)}\n\n`,
    `event: message\nid: 7\ndata: ${chunk({ content: ' named' })}\n\n`,
    `data:${chunk({ content: ' nospace' })}\n\n`,
  ].join('')
  const tap = new StreamTap()
  assert.deepEqual(fromBytes(text, tap), { done: false, usageOnly: false })
  // Two data lines join with "\n": that payload is no longer the JSON it was, exactly as the parser reads it.
  assert.equal(tap.text, viaParser(text).text)
  assert.equal(tap.text, ' named nospace')
})

test('an incomplete last event is left for later', () => {
  const tap = new StreamTap()
  assert.deepEqual(fromBytes(`data: ${chunk({ content: 'a' })}\n\ndata: [DONE]`, tap), { done: false, usageOnly: false })
  assert.equal(tap.text, 'a')
})

test('a first choice of null says nothing, parsed or read from bytes', () => {
  const event = JSON.stringify({ id: 'c1', choices: [null] })
  const tap = new StreamTap()
  assert.equal(classifyEvent('chat', { event: '', data: event, id: undefined }).usageOnly, false)
  assert.deepEqual(fromBytes(`data: ${event}\n\ndata: ${chunk({ content: 'after' })}\n\n`, tap), { done: false, usageOnly: false })
  assert.equal(tap.text, 'after')
})
