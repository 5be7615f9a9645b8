// openaiToReplicate: the prediction request for a chat request, with the predecessor's input defaults.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GatewayError } from '../../errors/gateway-error.js'
import { openaiToReplicate } from './openai-to-replicate.js'

const model = 'mistralai/mixtral-8x7b-instruct-v0.1'

test('defaults: max_new_tokens 1024, top_p 0.9, top_k 50, the prompt already templated', () => {
  assert.deepEqual(
    openaiToReplicate({
      model,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    }),
    {
      path: '/models/mistralai/mixtral-8x7b-instruct-v0.1/predictions',
      body: {
        stream: false,
        input: { prompt: '<s> [INST] Be brief.\n\nHi [/INST] ', max_new_tokens: 1024, top_p: 0.9, top_k: 50, prompt_template: '{prompt}' },
      },
      includeUsage: false,
    },
  )
})

test("the client's sampling parameters, text parts, stream with include_usage", () => {
  const translation = openaiToReplicate({
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi ' },
          { type: 'text', text: 'there' },
        ],
      },
    ],
    max_tokens: 64,
    temperature: 0.2,
    top_p: 0.5,
    presence_penalty: 0.1,
    frequency_penalty: 0.3,
    stop: ['x'],
    stream: true,
    stream_options: { include_usage: true },
  })
  assert.deepEqual(translation.body, {
    stream: true,
    input: {
      prompt: '<s> [INST] Hi there [/INST] ',
      max_new_tokens: 64,
      top_p: 0.5,
      top_k: 50,
      prompt_template: '{prompt}',
      temperature: 0.2,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
    },
  })
  assert.equal(translation.includeUsage, true)
})

const refused: [name: string, request: Record<string, unknown>, code: string][] = [
  ['a model that is not owner/name', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, 'upstream_unsupported'],
  ['a version-pinned model', { model: `${model}:abc`, messages: [{ role: 'user', content: 'x' }] }, 'upstream_unsupported'],
  [
    'tools',
    { model, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] },
    'upstream_unsupported',
  ],
  [
    'images',
    { model, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
    'upstream_unsupported',
  ],
  ['tool results', { model, messages: [{ role: 'tool', tool_call_id: 't', content: 'x' }] }, 'upstream_unsupported'],
  ['no messages', { model, messages: [] }, 'invalid_request'],
  ['a bad max_tokens', { model, messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }, 'invalid_request'],
]

for (const [name, request, code] of refused) {
  test(`openaiToReplicate refuses ${name} with ${code}`, () => {
    assert.throws(
      () => openaiToReplicate(request),
      (error: unknown) => error instanceof GatewayError && error.code === code,
    )
  })
}
