// streamDialectFor and each dialect's commit rule: chat streams follow the chat rule, any other API's stream commits at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyEvent } from './classify-event.js'
import type { EventVisibility } from './commit-point.js'
import type { SseEvent } from './sse-parser.js'
import { streamDialectFor, type StreamDialect } from './stream-dialect.js'

const classifyEventAs = (dialect: StreamDialect, event: SseEvent): EventVisibility => classifyEvent(dialect, event).visibility

const roleOnly = JSON.stringify({
  id: 'c',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
})

test('chat and legacy completions paths are read by the chat rule, with or without a query', () => {
  assert.equal(streamDialectFor('/chat/completions'), 'chat')
  assert.equal(streamDialectFor('/chat/completions?api-version=2024-06-01'), 'chat')
  assert.equal(streamDialectFor('/completions'), 'chat')
})

test('every other path is opaque', () => {
  for (const path of [
    '/responses',
    '/messages',
    '/messages?beta=true',
    '/audio/speech',
    '/chat/completions/x',
    '/chat',
    '/completionsx',
    '/',
  ]) {
    assert.equal(streamDialectFor(path), 'opaque', path)
  }
})

test('the chat rule holds a role-only chunk; the opaque rule commits at any event', () => {
  const event = { event: '', data: roleOnly, id: undefined }
  assert.equal(classifyEventAs('chat', event), 'held')
  assert.equal(classifyEventAs('opaque', event), 'visible')
  assert.equal(
    classifyEventAs('opaque', { event: 'message_start', data: '{"type":"message_start","message":{}}', id: undefined }),
    'visible',
  )
  assert.equal(
    classifyEventAs('opaque', { event: '', data: JSON.stringify({ type: 'response.created', response: {} }), id: undefined }),
    'visible',
  )
  assert.equal(classifyEventAs('opaque', { event: 'ping', data: '', id: undefined }), 'visible')
})

test('[DONE] ends a stream under either rule', () => {
  const done = { event: '', data: '[DONE]', id: undefined }
  assert.equal(classifyEventAs('chat', done), 'done')
  assert.equal(classifyEventAs('opaque', done), 'done')
})
