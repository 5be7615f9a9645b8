// Usage as upstreams report it: chat's and the Responses API's names, cached prompt tokens, and none at all.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readReportedUsage } from './reported-usage.js'

test('chat completions usage with cached prompt tokens', () => {
  assert.deepEqual(
    readReportedUsage({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 64 } }),
    { promptTokens: 100, completionTokens: 20, totalTokens: 120, cachedPromptTokens: 64 },
  )
})

test('Responses API names; cached tokens never above the prompt; zero cached is not said', () => {
  assert.deepEqual(readReportedUsage({ input_tokens: 10, output_tokens: 5, input_tokens_details: { cached_tokens: 99 } }), {
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cachedPromptTokens: 10,
  })
  assert.deepEqual(readReportedUsage({ prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } }), {
    promptTokens: 3,
    completionTokens: 4,
    totalTokens: 7,
  })
})

test('all-zero or missing usage is none', () => {
  assert.equal(readReportedUsage({ prompt_tokens: 0, completion_tokens: 0 }), undefined)
  assert.equal(readReportedUsage(null), undefined)
  assert.equal(readReportedUsage('usage'), undefined)
})
