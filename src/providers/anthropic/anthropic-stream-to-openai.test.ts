// AnthropicStreamMapper: whole Messages API streams in, the OpenAI chunks an OpenAI stream would carry out.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { errorEvent, messageStart, textStream, toolStream, type AnthropicEvent } from '../../../tests/helpers/anthropic-wire.js'
import { chunkFrom } from '../../../tests/helpers/fake-upstream.js'
import type { StreamOutput } from '../openai-chat.js'
import { AnthropicStreamMapper } from './anthropic-stream-to-openai.js'

const id = 'msg_01XFDUDYJgAACzvnptvVoYEL'
const model = 'claude-sonnet-4-5'

function replay(events: readonly AnthropicEvent[], includeUsage = false): StreamOutput[] {
  const mapper = new AnthropicStreamMapper({ created: 1700000000, model: 'requested-model', includeUsage })
  return events.flatMap((e) => mapper.map({ event: e.event, data: JSON.stringify(e.data), id: undefined }))
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null): unknown => chunkFrom(id, delta, finish, model)

const visible = (delta: Record<string, unknown>, finish: string | null = null): StreamOutput => ({
  kind: 'chunk',
  chunk: chunk(delta, finish) as never,
  held: false,
})
const roleChunk: StreamOutput = { kind: 'chunk', chunk: chunk({ role: 'assistant', content: '' }) as never, held: true }

test('a text stream: role chunk (held), one chunk per delta, the finish chunk, done', () => {
  assert.deepEqual(replay(textStream(['Hello', ', world'])), [
    roleChunk,
    visible({ content: 'Hello' }),
    visible({ content: ', world' }),
    visible({}, 'stop'),
    { kind: 'done' },
  ])
})

test('include_usage: a usage chunk with no choices before done; output tokens from message_delta', () => {
  const outputs = replay(textStream(['Hi'], 'max_tokens', 9), true)
  assert.deepEqual(outputs.slice(-3), [
    visible({}, 'length'),
    {
      kind: 'chunk',
      chunk: {
        id,
        object: 'chat.completion.chunk',
        created: 1700000000,
        model,
        choices: [],
        usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21, prompt_tokens_details: { cached_tokens: 0 } },
      },
      held: false,
    },
    { kind: 'done' },
  ])
})

test('a tool call: id and name first, then argument pieces under the tool index, finish_reason tool_calls', () => {
  const outputs = replay(toolStream('Let me check.', { id: 'toolu_01A', name: 'weather', jsonPieces: ['{"city": ', '"Paris"}'] }))
  assert.deepEqual(outputs, [
    roleChunk,
    visible({ content: 'Let me check.' }),
    visible({ tool_calls: [{ index: 0, id: 'toolu_01A', type: 'function', function: { name: 'weather', arguments: '' } }] }),
    visible({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }),
    visible({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    visible({}, 'tool_calls'),
    { kind: 'done' },
  ])
})

test('thinking deltas become reasoning_content; signature deltas are dropped', () => {
  const events: AnthropicEvent[] = [
    messageStart(),
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } } },
    {
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } },
    },
  ]
  assert.deepEqual(replay(events), [roleChunk, visible({ reasoning_content: 'Hmm.' })])
})

test('an error event is reported with its type', () => {
  assert.deepEqual(replay([messageStart(), errorEvent('overloaded_error', 'Overloaded')]), [
    roleChunk,
    { kind: 'error', errorType: 'overloaded_error', message: 'Overloaded' },
  ])
})

test('message_stop without a stop reason still finishes the choice', () => {
  assert.deepEqual(replay([messageStart(), { event: 'message_stop', data: { type: 'message_stop' } }]), [
    roleChunk,
    visible({}, 'stop'),
    { kind: 'done' },
  ])
})

test('an unreadable event is an error; unknown event types are ignored', () => {
  const mapper = new AnthropicStreamMapper({ created: 1, model: 'm', includeUsage: false })
  assert.deepEqual(mapper.map({ event: 'content_block_delta', data: '{not json', id: undefined }), [
    { kind: 'error', errorType: 'api_error', message: 'unreadable content_block_delta event from Anthropic' },
  ])
  assert.deepEqual(mapper.map({ event: 'future_event', data: '{"type":"future_event"}', id: undefined }), [])
})
