import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TokenUsage } from '../outcome/request-outcome.js'
import { PriceTable } from './price-table.js'
import { requestCost } from './request-cost.js'

const prices = new PriceTable({
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'claude-*': { input: 3, output: 15, cachedInput: undefined },
})
const usage: TokenUsage = { promptTokens: 1_000_000, completionTokens: 1_000_000, totalTokens: 2_000_000, source: 'reported' }

test("the upstream's model is priced first, then the client's", () => {
  assert.equal(requestCost(prices, { model: 'fast', upstreamModel: 'gpt-4o-mini' }, usage), 0.75)
  assert.equal(requestCost(prices, { model: 'claude-3-5-sonnet', upstreamModel: 'unpriced-deployment' }, usage), 18)
  assert.equal(requestCost(prices, { model: 'gpt-4o-mini' }, usage), 0.75)
})

test('cached prompt tokens cost their own price', () => {
  const cached: TokenUsage = { ...usage, completionTokens: 0, totalTokens: 1_000_000, cachedPromptTokens: 500_000 }
  assert.equal(requestCost(prices, { model: 'gpt-4o-mini' }, cached), 0.1125)
})

test('no usage, no price, or no prices at all: no cost', () => {
  assert.equal(requestCost(prices, { model: 'gpt-4o-mini' }, undefined), undefined)
  assert.equal(requestCost(prices, { model: 'llama3', upstreamModel: 'llama3-70b' }, usage), undefined)
  assert.equal(requestCost(new PriceTable({}), { model: 'gpt-4o-mini' }, usage), undefined)
})
