import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PriceTable, costAt } from './price-table.js'

const mini = { input: 0.15, output: 0.6, cachedInput: 0.075 }

test('a model is priced by its exact entry before any glob, and globs in file order', () => {
  const table = new PriceTable({
    'gpt-4o*': { input: 2.5, output: 10, cachedInput: undefined },
    'gpt-4o-mini': mini,
    '*': { input: 1, output: 1, cachedInput: undefined },
  })
  assert.equal(table.priceOf('gpt-4o-mini'), mini)
  assert.equal(table.priceOf('gpt-4o-2024-08-06')?.input, 2.5)
  assert.equal(table.priceOf('llama3')?.input, 1)
  assert.equal(new PriceTable({}).priceOf('gpt-4o'), undefined)
  assert.equal(new PriceTable({}).costOf('gpt-4o', { promptTokens: 1, completionTokens: 1 }), undefined)
})

test('cached prompt tokens are priced apart, and never more of them than the prompt holds', () => {
  // 1M uncached input at 0.15, 1M cached at 0.075, 1M output at 0.6.
  assert.equal(costAt(mini, { promptTokens: 2_000_000, completionTokens: 1_000_000, cachedPromptTokens: 1_000_000 }), 0.825)
  assert.equal(costAt(mini, { promptTokens: 10, completionTokens: 0, cachedPromptTokens: 50 }), (10 * 0.075) / 1_000_000)
  // Without a cached price, cached tokens cost as input.
  assert.equal(
    costAt(
      { input: 1, output: 2, cachedInput: undefined },
      { promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 1_000_000 },
    ),
    1,
  )
})
