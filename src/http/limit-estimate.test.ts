// The reservation a limited request makes: its prompt counted, the completion it allows, n choices; and its charge.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TokenEstimator } from '../tokens/token-estimator.js'
import { chargedTokens, estimateReservation } from './limit-estimate.js'

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

test('a finished request is charged its usage, a success without usage its reservation, a failure nothing', () => {
  assert.equal(chargedTokens(200, { promptTokens: 3, completionTokens: 4, totalTokens: 7, source: 'reported' }, 100), 7)
  assert.equal(chargedTokens(200, undefined, 100), 100)
  assert.equal(chargedTokens(502, undefined, 100), 0)
})
