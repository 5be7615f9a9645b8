// The chat commit point, as classifyEvent reads it: which stream events commit the response and which are held.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyEvent } from './classify-event.js'
import type { EventVisibility } from './commit-point.js'

function chunk(delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    ...extra,
  })
}

function classify(data: string, event = ''): EventVisibility {
  return classifyEvent('chat', { event, data, id: undefined }).visibility
}

test('role-only, empty and announcement events are held', () => {
  const held: Array<[string, string]> = [
    ['role only', chunk({ role: 'assistant' })],
    ['role with empty content', chunk({ role: 'assistant', content: '' })],
    ['role with null content and refusal', chunk({ role: 'assistant', content: null, refusal: null })],
    ['empty delta', chunk({})],
    ['empty tool call list', chunk({ tool_calls: [] })],
    ['usage: null on every chunk (stream_options.include_usage)', chunk({ role: 'assistant', content: '' }, { usage: null })],
    ['no choices yet', JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [] })],
    ['responses API: created', JSON.stringify({ type: 'response.created', response: {} })],
    ['responses API: in progress', JSON.stringify({ type: 'response.in_progress', response: {} })],
    ['responses API: output item added', JSON.stringify({ type: 'response.output_item.added', item: {} })],
  ]
  for (const [name, data] of held) assert.equal(classify(data), 'held', name)
})

test('content, tool calls, reasoning, refusals, finish reasons and usage commit', () => {
  const visible: Array<[string, string]> = [
    ['content', chunk({ content: 'Hel' })],
    ['role and content together', chunk({ role: 'assistant', content: 'Hi' })],
    ['whitespace content', chunk({ content: ' ' })],
    ['tool call delta', chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] })],
    ['legacy function call', chunk({ function_call: { name: 'f', arguments: '' } })],
    ['reasoning_content', chunk({ reasoning_content: 'Let me think' })],
    ['reasoning', chunk({ reasoning: 'Let me think' })],
    ['refusal', chunk({ refusal: 'I cannot help with that' })],
    ['content parts', chunk({ content: [{ type: 'text', text: 'a' }] })],
    ['finish reason', JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })],
    ['usage chunk', JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })],
    ['legacy completions text', JSON.stringify({ choices: [{ index: 0, text: 'Hi', finish_reason: null }] })],
    ['responses API: text delta', JSON.stringify({ type: 'response.output_text.delta', delta: 'Hi' })],
    ['responses API: failed', JSON.stringify({ type: 'response.failed', response: {} })],
  ]
  for (const [name, data] of visible) assert.equal(classify(data), 'visible', name)
})

test('an error commits, as a payload or as an error event', () => {
  assert.equal(classify(JSON.stringify({ error: { message: 'overloaded', type: 'server_error', param: null, code: null } })), 'visible')
  assert.equal(classify(JSON.stringify({ message: 'overloaded' }), 'error'), 'visible')
  assert.equal(classify(chunk({ role: 'assistant' }), 'error'), 'visible')
})

test('data the gateway cannot read commits, so the client sees it', () => {
  assert.equal(classify('not json'), 'visible')
  assert.equal(classify('42'), 'visible')
  assert.equal(classify('"text"'), 'visible')
  assert.equal(classify('null'), 'visible')
})

test('[DONE] is the end of a complete stream', () => {
  assert.equal(classify('[DONE]'), 'done')
})
