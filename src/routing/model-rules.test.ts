// servesRequest and mayServePath: allow first (empty = everything), then deny; path entries match the URL path only.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mappedModel, mayServePath, servesRequest } from './model-rules.js'

const chat = (model: string | undefined) => ({ model, path: '/v1/chat/completions' })

test('an empty allow list serves every model and every path', () => {
  const rules = { allow: [], deny: [] }
  assert.equal(servesRequest(rules, chat('gpt-4o')), true)
  assert.equal(servesRequest(rules, { model: undefined, path: '/v1/audio/transcriptions' }), true)
})

test('a non-empty allow list serves only the models and paths it names, exactly', () => {
  const rules = { allow: ['gpt-4o', '/v1/audio/transcriptions'], deny: [] }
  assert.equal(servesRequest(rules, chat('gpt-4o')), true)
  assert.equal(servesRequest(rules, { model: undefined, path: '/v1/audio/transcriptions' }), true)
  assert.equal(servesRequest(rules, chat('gpt-4o-mini')), false)
  assert.equal(servesRequest(rules, chat('GPT-4O')), false)
  assert.equal(servesRequest(rules, { model: undefined, path: '/v1/audio/translations' }), false)
  assert.equal(servesRequest(rules, chat(undefined)), false)
})

test("a body's model that looks like a path is a model name: it matches no path entry", () => {
  const rules = { allow: ['/v1/audio/transcriptions'], deny: [] }
  assert.equal(servesRequest(rules, { model: '/v1/audio/transcriptions', path: '/v1/files' }), false)
  assert.equal(servesRequest(rules, { model: '/v1/audio/transcriptions', path: '/v1/files/file-123' }), false)
})

test('a path entry matches the URL path whatever model the body names', () => {
  assert.equal(servesRequest({ allow: [], deny: ['/v1/files'] }, { model: 'gpt-4o', path: '/v1/files' }), false)
  assert.equal(
    servesRequest({ allow: ['/v1/audio/transcriptions'], deny: [] }, { model: 'whisper-1', path: '/v1/audio/transcriptions' }),
    true,
  )
})

test('deny removes a model from an otherwise open upstream', () => {
  const rules = { allow: [], deny: ['gpt-4'] }
  assert.equal(servesRequest(rules, chat('gpt-4')), false)
  assert.equal(servesRequest(rules, chat('gpt-4o')), true)
})

test('deny is checked after allow: a model in both lists is not served', () => {
  const rules = { allow: ['gpt-4', 'gpt-4o'], deny: ['gpt-4'] }
  assert.equal(servesRequest(rules, chat('gpt-4')), false)
  assert.equal(servesRequest(rules, chat('gpt-4o')), true)
})

test('before the body, a path is ruled out only by a path deny or an allow list of other paths alone', () => {
  assert.equal(mayServePath({ allow: [], deny: [] }, '/v1/files'), true)
  assert.equal(mayServePath({ allow: ['/v1/audio/transcriptions'], deny: [] }, '/v1/files'), false)
  assert.equal(mayServePath({ allow: ['/v1/audio/transcriptions'], deny: [] }, '/v1/audio/transcriptions'), true)
  assert.equal(mayServePath({ allow: ['/v1/audio/transcriptions', 'llama'], deny: [] }, '/v1/files'), true)
  assert.equal(mayServePath({ allow: [], deny: ['/v1/files'] }, '/v1/files'), false)
  assert.equal(mayServePath({ allow: [], deny: ['gpt-4'] }, '/v1/files'), true)
})

test('a path entry matches its path in any case, with a trailing slash or `;` parameters, and as written with escapes', () => {
  const deny = { allow: [], deny: ['/v1/files', '/v1/fil%65s/file-1'] }
  for (const path of ['/v1/files', '/v1/files/', '/v1/Files', '/v1/files;x=1', '/v1/files/file-1', '/v1/FILES/file-1/']) {
    assert.equal(servesRequest(deny, { model: undefined, path }), false, path)
    assert.equal(mayServePath(deny, path), false, path)
  }
  assert.equal(servesRequest(deny, { model: undefined, path: '/v1/files/file-2' }), true)
  const allow = { allow: ['/v1/audio/transcriptions'], deny: [] }
  assert.equal(mayServePath(allow, '/v1/audio/transcriptions/'), true)
  assert.equal(servesRequest(allow, { model: 'whisper-1', path: '/v1/Audio/Transcriptions' }), true)
  assert.equal(servesRequest(allow, { model: 'whisper-1', path: '/v1/audio/translations' }), false)
})

test('a model the upstream maps is served even when allow does not list it; deny still applies', () => {
  const rules = { allow: ['gpt-4o'], deny: ['old'], models: { fast: 'claude-haiku-4-5', old: 'gpt-3.5-turbo' } }
  assert.equal(servesRequest(rules, chat('fast')), true)
  assert.equal(servesRequest(rules, chat('gpt-4o')), true)
  // The mapped-to name itself is not a client name the upstream serves.
  assert.equal(servesRequest(rules, chat('claude-haiku-4-5')), false)
  assert.equal(servesRequest(rules, chat('old')), false)
  // Own keys only.
  assert.equal(servesRequest(rules, chat('constructor')), false)
})

test('an upstream with models may serve a path that allow names only paths for otherwise', () => {
  assert.equal(mayServePath({ allow: ['/v1/audio/transcriptions'], deny: [], models: { fast: 'x' } }, '/v1/chat/completions'), true)
  assert.equal(mayServePath({ allow: ['/v1/audio/transcriptions'], deny: [] }, '/v1/chat/completions'), false)
})

test('mappedModel: the name the upstream knows, by own keys only', () => {
  assert.equal(mappedModel({ models: { fast: 'gpt-4o-mini' } }, 'fast'), 'gpt-4o-mini')
  assert.equal(mappedModel({ models: { fast: 'gpt-4o-mini' } }, 'toString'), undefined)
  assert.equal(mappedModel({ models: { fast: 'gpt-4o-mini' } }, undefined), undefined)
  assert.equal(mappedModel({}, 'fast'), undefined)
})
