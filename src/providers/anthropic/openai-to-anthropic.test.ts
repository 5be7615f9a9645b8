// openaiToAnthropic: OpenAI chat requests in, Messages API requests out, as tables of fixtures.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GatewayError } from '../../errors/gateway-error.js'
import { defaultMaxTokens, openaiToAnthropic } from './openai-to-anthropic.js'

const user = (content: unknown): unknown => ({ role: 'user', content })

const cases: { name: string; request: Record<string, unknown>; body: Record<string, unknown>; includeUsage?: boolean }[] = [
  {
    name: 'a plain question gets the default max_tokens',
    request: { model: 'claude-sonnet-4-5', messages: [user('Hi')] },
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: defaultMaxTokens,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    },
  },
  {
    name: 'system and developer messages join the system prompt, in order, wherever they are',
    request: {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('Hi'),
        { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] },
      ],
    },
    body: {
      model: 'm',
      max_tokens: defaultMaxTokens,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Use French.' },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    },
  },
  {
    name: 'multi-turn; consecutive user turns merge; empty text is dropped',
    request: {
      model: 'm',
      messages: [user('a'), { role: 'assistant', content: 'b' }, user('c'), user(''), user([{ type: 'text', text: 'd' }])],
    },
    body: {
      model: 'm',
      max_tokens: defaultMaxTokens,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'c' },
            { type: 'text', text: 'd' },
          ],
        },
      ],
    },
  },
  {
    name: 'images: a base64 data URL and an https URL',
    request: {
      model: 'm',
      messages: [
        user([
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ]),
      ],
    },
    body: {
      model: 'm',
      max_tokens: defaultMaxTokens,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    },
  },
  {
    name: 'tools, a forced tool choice without parallel calls, tool calls and their results',
    request: {
      model: 'm',
      messages: [
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '24C' }] },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
        { type: 'function', function: { name: 'time' } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
    },
    body: {
      model: 'm',
      max_tokens: defaultMaxTokens,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '24C' }] },
          ],
        },
      ],
      tools: [
        { name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        { name: 'time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
    },
  },
  {
    name: 'tool_choice required → any, none → none',
    request: { model: 'm', messages: [user('x')], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' },
    body: {
      model: 'm',
      max_tokens: defaultMaxTokens,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any' },
    },
  },
  {
    name: 'sampling: max_completion_tokens wins, temperature is capped at 1, stop becomes stop_sequences, user becomes metadata',
    request: {
      model: 'm',
      messages: [user('x')],
      max_tokens: 10,
      max_completion_tokens: 20,
      temperature: 1.7,
      top_p: 0.5,
      stop: 'END',
      user: 'u-1',
      seed: 7,
      presence_penalty: 1,
    },
    body: {
      model: 'm',
      max_tokens: 20,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      stop_sequences: ['END'],
      temperature: 1,
      top_p: 0.5,
      metadata: { user_id: 'u-1' },
    },
  },
  {
    name: 'stream with include_usage',
    request: { model: 'm', messages: [user('x')], stream: true, stream_options: { include_usage: true }, stop: ['a', 'b'], max_tokens: 5 },
    body: {
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      stop_sequences: ['a', 'b'],
      stream: true,
    },
    includeUsage: true,
  },
  {
    name: 'an assistant refusal part is kept as text; a tool call without arguments has empty input',
    request: {
      model: 'm',
      messages: [
        user('x'),
        {
          role: 'assistant',
          content: [{ type: 'refusal', refusal: 'No.' }],
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '' } }],
        },
      ],
    },
    body: {
      model: 'm',
      max_tokens: defaultMaxTokens,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'x' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'No.' },
            { type: 'tool_use', id: 't', name: 'f', input: {} },
          ],
        },
      ],
    },
  },
]

for (const c of cases) {
  test(`openaiToAnthropic: ${c.name}`, () => {
    const translation = openaiToAnthropic(c.request)
    assert.deepEqual(translation.body, c.body)
    assert.equal(translation.includeUsage, c.includeUsage ?? false)
  })
}

const refused: { name: string; request: Record<string, unknown>; code: string; param?: string }[] = [
  { name: 'no messages', request: { model: 'm', messages: [] }, code: 'invalid_request', param: 'messages' },
  { name: 'no model', request: { messages: [user('x')] }, code: 'invalid_request', param: 'model' },
  {
    name: 'an unknown role',
    request: { model: 'm', messages: [{ role: 'robot', content: 'x' }] },
    code: 'invalid_request',
    param: 'messages[0].role',
  },
  { name: 'a bad max_tokens', request: { model: 'm', messages: [user('x')], max_tokens: 0 }, code: 'invalid_request', param: 'max_tokens' },
  {
    name: 'a tool message without tool_call_id',
    request: { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
    code: 'invalid_request',
    param: 'messages[0].tool_call_id',
  },
  {
    name: 'an image that is neither http(s) nor data',
    request: { model: 'm', messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x' } }])] },
    code: 'invalid_request',
    param: 'messages[0].content[0].image_url.url',
  },
  { name: 'n = 2', request: { model: 'm', messages: [user('x')], n: 2 }, code: 'upstream_unsupported' },
  {
    name: 'response_format json_schema',
    request: { model: 'm', messages: [user('x')], response_format: { type: 'json_schema' } },
    code: 'upstream_unsupported',
  },
  {
    name: 'audio input',
    request: { model: 'm', messages: [user([{ type: 'input_audio', input_audio: {} }])] },
    code: 'upstream_unsupported',
  },
  { name: 'legacy functions', request: { model: 'm', messages: [user('x')], functions: [] }, code: 'upstream_unsupported' },
  {
    name: 'tool call arguments that are not JSON',
    request: {
      model: 'm',
      messages: [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }],
    },
    code: 'upstream_unsupported',
  },
]

for (const c of refused) {
  test(`openaiToAnthropic refuses ${c.name} with ${c.code}`, () => {
    assert.throws(
      () => openaiToAnthropic(c.request),
      (error: unknown) => error instanceof GatewayError && error.code === c.code && (c.param === undefined || error.param === c.param),
    )
  })
}
