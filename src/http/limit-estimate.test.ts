// The reservation a limited request makes: its prompt counted, the completion it allows, n choices; and its charge.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TokenEstimator } from '../tokens/token-estimator.js'
import { noKeyLimits } from '../config/gateway-config.js'
import { chargedTokens, estimateReservation, maxReservedTokens } from './limit-estimate.js'

/** Counts one token per character, so expectations are easy to read. */
const perCharacter: TokenEstimator = {
  count: (texts) => Promise.resolve(texts.map((text) => text.length)),
  close: () => Promise.resolve(),
}

const chat = (extra: Record<string, unknown>): Record<string, unknown> => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hello' }],
  ...extra,
})

test('a chat reserves its counted prompt (with framing) and max_completion_tokens, else max_tokens, else the default', async () => {
  const base = { path: '/chat/completions', tokens: perCharacter, defaultCompletionTokens: 1000 }
  // 3 per reply + 3 per message + 5 characters.
  assert.deepEqual(await estimateReservation({ ...base, json: chat({ max_completion_tokens: 50, max_tokens: 70 }) }), {
    promptTokens: 11,
    completionTokens: 50,
  })
  assert.deepEqual(await estimateReservation({ ...base, json: chat({ max_tokens: 70 }) }), { promptTokens: 11, completionTokens: 70 })
  assert.deepEqual(await estimateReservation({ ...base, json: chat({}) }), { promptTokens: 11, completionTokens: 1000 })
  assert.deepEqual(await estimateReservation({ ...base, json: chat({ max_tokens: 10, n: 3 }) }), { promptTokens: 11, completionTokens: 30 })
})

test('tools count towards the prompt; embeddings reserve no completion; a body that is not JSON reserves nothing', async () => {
  const tools = [{ type: 'function', function: { name: 'f' } }]
  const withTools = await estimateReservation({
    path: '/chat/completions',
    tokens: perCharacter,
    defaultCompletionTokens: 1,
    json: chat({ tools }),
  })
  assert.equal(withTools.promptTokens, 11 + Math.ceil(JSON.stringify(tools).length / 4))
  const embedding = await estimateReservation({
    path: '/embeddings',
    tokens: perCharacter,
    defaultCompletionTokens: 1000,
    json: { input: 'abcd' },
  })
  assert.deepEqual(embedding, { promptTokens: 4, completionTokens: 0 })
  assert.deepEqual(
    await estimateReservation({ path: '/audio/transcriptions', tokens: perCharacter, defaultCompletionTokens: 1000, json: null }),
    {
      promptTokens: 0,
      completionTokens: 0,
    },
  )
})

test('a finished request is charged its usage, else its reservation when it may have been billed, else nothing', () => {
  assert.equal(chargedTokens(200, { promptTokens: 3, completionTokens: 4, totalTokens: 7, source: 'reported' }, 100, true), 7)
  assert.equal(chargedTokens(200, undefined, 100, true), 100)
  // The client left once an upstream had the request: the upstream may still bill it.
  assert.equal(chargedTokens(499, undefined, 100, true), 100)
  assert.equal(chargedTokens(499, undefined, 100, false), 0)
  assert.equal(chargedTokens(502, undefined, 100, true), 0)
})

test('Responses input items, token ids and nested prompts are counted; media bytes are not', async () => {
  const base = { tokens: perCharacter, defaultCompletionTokens: 1000 }
  const items = {
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'abcdef' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
        ],
      },
      { type: 'function_call_output', call_id: 'c1', output: 'xyz' },
    ],
    max_output_tokens: 10,
  }
  assert.deepEqual(await estimateReservation({ ...base, path: '/responses', json: items }), { promptTokens: 9, completionTokens: 10 })
  const ids = {
    input: [
      [1, 2, 3],
      [4, 5],
    ],
  }
  assert.deepEqual(await estimateReservation({ ...base, path: '/embeddings', json: ids }), { promptTokens: 5, completionTokens: 0 })
  const prompt = { prompt: [7, 8, 9, 10], max_tokens: 1 }
  assert.deepEqual(await estimateReservation({ ...base, path: '/completions', json: prompt }), { promptTokens: 4, completionTokens: 1 })
})

test('without max_tokens, the default completion never exceeds what tpm or budget_tokens leave after the prompt', async () => {
  const limits = { ...noKeyLimits, tpm: 100 }
  const estimate = await estimateReservation({
    path: '/chat/completions',
    tokens: perCharacter,
    defaultCompletionTokens: 4096,
    json: chat({}),
    limits,
  })
  assert.deepEqual(estimate, { promptTokens: 11, completionTokens: 89 })
  const asked = await estimateReservation({
    path: '/chat/completions',
    tokens: perCharacter,
    defaultCompletionTokens: 4096,
    json: chat({ max_tokens: 500 }),
    limits,
  })
  assert.equal(asked.completionTokens, 500, 'a bound the client named is reserved as named')
})

test('absurd max_tokens and n are capped to a reservation Redis counts exactly', async () => {
  const huge = await estimateReservation({
    path: '/chat/completions',
    tokens: perCharacter,
    defaultCompletionTokens: 1,
    json: chat({ max_tokens: Number.MAX_SAFE_INTEGER, n: 1000 }),
  })
  assert.equal(huge.promptTokens + huge.completionTokens, maxReservedTokens)
})
