// StreamTap: what a relayed stream said (text, tool calls, usage), read from parsed events or straight from bytes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SseParser } from './sse-parser.js'
import { StreamTap } from './stream-tap.js'

const chunk = (delta: object, extra: object = {}): string =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }], ...extra })
const usageOnly = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } })

const payloads = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hel' }),
  chunk({ content: 'lo \\n "there"' }),
  chunk({ tool_calls: [{ index: 0, function: { name: 'look', arguments: '{"q":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
  usageOnly,
]

/** The same payloads through the line parser, as before the commit point. */
function viaParser(text: string): StreamTap {
  const tap = new StreamTap()
  new SseParser((event) => tap.onEvent(event)).push(Buffer.from(text))
  return tap
}

test('events read from bytes say what the parsed events say: text, tool calls, usage', () => {
  for (const ending of ['\n', '\r\n', '\r']) {
    const text = payloads.map((p) => `data: ${p}${ending}${ending}`).join('') + `data: [DONE]${ending}${ending}`
    const fromBytes = new StreamTap()
    const seen = fromBytes.onEventBytes(Buffer.from(text))
    const parsed = viaParser(text)
    assert.deepEqual(seen, { done: true, usageOnly: true }, JSON.stringify(ending))
    assert.equal(fromBytes.text, 'Hello \\n "there"\nlook({"q":1})')
    assert.equal(fromBytes.text, parsed.text)
    assert.deepEqual(fromBytes.usage, { promptTokens: 5, completionTokens: 3, totalTokens: 8 })
    assert.deepEqual(fromBytes.usage, parsed.usage)
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
  assert.deepEqual(tap.onEventBytes(Buffer.from(text)), { done: false, usageOnly: false })
  // Two data lines join with "\n": that payload is no longer the JSON it was, exactly as the parser reads it.
  assert.equal(tap.text, viaParser(text).text)
  assert.equal(tap.text, ' named nospace')
})

test('an incomplete last event is left for later', () => {
  const tap = new StreamTap()
  assert.deepEqual(tap.onEventBytes(Buffer.from(`data: ${chunk({ content: 'a' })}\n\ndata: [DONE]`)), { done: false, usageOnly: false })
  assert.equal(tap.text, 'a')
})

test('a first choice of null says nothing, parsed or read from bytes', () => {
  const event = JSON.stringify({ id: 'c1', choices: [null] })
  const tap = new StreamTap()
  assert.equal(tap.onEvent({ event: '', data: event, id: undefined }), false)
  assert.deepEqual(tap.onEventBytes(Buffer.from(`data: ${event}\n\ndata: ${chunk({ content: 'after' })}\n\n`)), { done: false, usageOnly: false })
  assert.equal(tap.text, 'after')
})
