// anthropicToOpenAI: whole Messages responses to chat completions; stop reasons and usage.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { anthropicToOpenAI, finishReasonOf, usageFromAnthropic } from './anthropic-to-openai.js'

const usage = { input_tokens: 10, output_tokens: 4, cache_creation_input_tokens: 2, cache_read_input_tokens: 3 }

test('a text answer', () => {
  const response = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' there' },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
  }
  assert.deepEqual(anthropicToOpenAI(response, 1700000000), {
    id: 'msg_1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'claude-sonnet-4-5',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 15, completion_tokens: 4, total_tokens: 19, prompt_tokens_details: { cached_tokens: 3 } },
  })
})

test('tool calls only: content null, arguments as JSON text, finish_reason tool_calls; thinking becomes reasoning_content', () => {
  const response = {
    id: 'msg_2',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [
      { type: 'thinking', thinking: 'Need the weather.', signature: 'sig' },
      { type: 'redacted_thinking', data: 'xx' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 2 },
  }
  const completion = anthropicToOpenAI(response, 1)
  assert.deepEqual(completion?.choices[0].message, {
    role: 'assistant',
    content: null,
    refusal: null,
    reasoning_content: 'Need the weather.',
    tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
  })
  assert.equal(completion?.choices[0].finish_reason, 'tool_calls')
  assert.deepEqual(completion?.usage, {
    prompt_tokens: 1,
    completion_tokens: 2,
    total_tokens: 3,
    prompt_tokens_details: { cached_tokens: 0 },
  })
})

test('not a message: undefined', () => {
  assert.equal(anthropicToOpenAI({ type: 'error', error: { type: 'api_error', message: 'x' } }, 1), undefined)
  assert.equal(anthropicToOpenAI('text', 1), undefined)
  assert.equal(anthropicToOpenAI({ type: 'message' }, 1), undefined)
})

test('stop reasons', () => {
  const table: [unknown, string][] = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
    ['something_new', 'stop'],
  ]
  for (const [reason, finish] of table) assert.equal(finishReasonOf(reason), finish, String(reason))
})

test('usage: cached prompt tokens count as prompt tokens', () => {
  assert.deepEqual(usageFromAnthropic(usage), {
    prompt_tokens: 15,
    completion_tokens: 4,
    total_tokens: 19,
    prompt_tokens_details: { cached_tokens: 3 },
  })
  assert.deepEqual(usageFromAnthropic({ input_tokens: 5, cache_read_input_tokens: null }), {
    prompt_tokens: 5,
    completion_tokens: 0,
    total_tokens: 5,
    prompt_tokens_details: { cached_tokens: 0 },
  })
})
