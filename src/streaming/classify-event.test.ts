// classifyEvent: the one reading of an event that the commit point, the usage tap and the usage-chunk removal share.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyEvent } from './classify-event.js'

const event = (data: string, name = '') => ({ event: name, data, id: undefined })
const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }

test('the usage-only chunk: no choices and a usage object, under either dialect', () => {
  for (const dialect of ['chat', 'opaque'] as const) {
    const read = classifyEvent(dialect, event(JSON.stringify({ id: 'c', choices: [], usage })))
    assert.equal(read.usageOnly, true, dialect)
    assert.deepEqual(read.usage, { promptTokens: 5, completionTokens: 3, totalTokens: 8 })
    assert.equal(read.visibility, 'visible')
  }
  assert.equal(classifyEvent('chat', event(JSON.stringify({ choices: [], usage: {} }))).usageOnly, true)
  const notUsageOnly = [
    JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' } }], usage }),
    JSON.stringify({ choices: [], usage: null }),
    JSON.stringify({ choices: [], usage: 5 }),
    JSON.stringify({ usage }),
    '[DONE]',
    'not json',
  ]
  for (const data of notUsageOnly) assert.equal(classifyEvent('chat', event(data)).usageOnly, false, data)
})

test('text: delta content, or a legacy completion choice text; tool calls as sent', () => {
  assert.equal(classifyEvent('chat', event(JSON.stringify({ choices: [{ delta: { content: 'Hi' } }] }))).text, 'Hi')
  assert.equal(classifyEvent('chat', event(JSON.stringify({ choices: [{ text: 'old' }] }))).text, 'old')
  assert.equal(classifyEvent('chat', event(JSON.stringify({ choices: [{ delta: {}, text: 'ignored' }] }))).text, undefined)
  const calls = [{ index: 0, function: { name: 'f', arguments: '' } }]
  assert.deepEqual(classifyEvent('chat', event(JSON.stringify({ choices: [{ delta: { tool_calls: calls } }] }))).toolCalls, calls)
})

test('an error is an error event or an error payload, parsed or not', () => {
  assert.equal(classifyEvent('chat', event(JSON.stringify({ error: { message: 'x' } }))).error, true)
  assert.equal(classifyEvent('opaque', event('not json', 'error')).error, true)
  assert.equal(classifyEvent('chat', event(JSON.stringify({ error: null, choices: [] }))).error, false)
  assert.equal(classifyEvent('chat', event('[DONE]', 'error')).error, false)
})

test('the opaque dialect commits at any event but still reads usage for records', () => {
  const created = classifyEvent('opaque', event(JSON.stringify({ type: 'response.created', response: {} })))
  assert.equal(created.visibility, 'visible')
  assert.equal(classifyEvent('chat', event(JSON.stringify({ type: 'response.created', response: {} }))).visibility, 'held')
  assert.equal(classifyEvent('opaque', event('[DONE]')).visibility, 'done')
})

test('an opaque event that names no usage, choices or error is not parsed, and reads the same as if it were', () => {
  const plain = event(JSON.stringify({ type: 'response.output_text.delta', delta: 'Hi' }))
  const unparsed = { visibility: 'visible', usageOnly: false, usage: undefined, text: undefined, toolCalls: undefined, error: false }
  assert.deepEqual(classifyEvent('opaque', plain), unparsed)
  assert.equal(classifyEvent('opaque', event('{"type":"message_delta","usage":{"output_tokens":7}}')).usage?.completionTokens, 7)
  assert.equal(classifyEvent('opaque', event('{"type":"x","\\u0065rror":{"message":"m"}}')).error, true)
})
