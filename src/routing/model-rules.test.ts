// servesModel: allow first (empty = every model), then deny.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { servesModel } from './model-rules.js'

test('an empty allow list serves every model, including URL paths', () => {
  const rules = { allow: [], deny: [] }
  assert.equal(servesModel(rules, 'gpt-4o'), true)
  assert.equal(servesModel(rules, '/v1/audio/transcriptions'), true)
})

test('a non-empty allow list serves only the models it names, exactly', () => {
  const rules = { allow: ['gpt-4o', '/v1/audio/transcriptions'], deny: [] }
  assert.equal(servesModel(rules, 'gpt-4o'), true)
  assert.equal(servesModel(rules, '/v1/audio/transcriptions'), true)
  assert.equal(servesModel(rules, 'gpt-4o-mini'), false)
  assert.equal(servesModel(rules, 'GPT-4O'), false)
  assert.equal(servesModel(rules, '/v1/audio/translations'), false)
})

test('deny removes a model from an otherwise open upstream', () => {
  const rules = { allow: [], deny: ['gpt-4'] }
  assert.equal(servesModel(rules, 'gpt-4'), false)
  assert.equal(servesModel(rules, 'gpt-4o'), true)
})

test('deny is checked after allow: a model in both lists is not served', () => {
  const rules = { allow: ['gpt-4', 'gpt-4o'], deny: ['gpt-4'] }
  assert.equal(servesModel(rules, 'gpt-4'), false)
  assert.equal(servesModel(rules, 'gpt-4o'), true)
})
