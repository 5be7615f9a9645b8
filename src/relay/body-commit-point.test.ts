// commitsAtBodyEnd: JSON answers to non-stream requests are held to their end; anything else commits at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { commitsAtBodyEnd, isJsonMediaType } from './body-commit-point.js'

test('JSON media types, with parameters and in any case, are JSON', () => {
  for (const type of [
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    ' application/json ;charset=UTF-8',
    'application/problem+json',
    'application/vnd.api+json',
  ]) {
    assert.equal(isJsonMediaType(type), true, type)
  }
})

test('audio, binary, text, SSE and a missing type are not JSON', () => {
  for (const type of [
    undefined,
    '',
    'audio/mpeg',
    'application/octet-stream',
    'text/plain',
    'text/event-stream',
    'application/jsonl',
    'application/x-ndjson',
    'text/json+x',
    'image/png',
  ]) {
    assert.equal(isJsonMediaType(type), false, String(type))
  }
})

test('only a non-stream request holds its JSON answer to the end', () => {
  assert.equal(commitsAtBodyEnd(false, 'application/json'), true)
  assert.equal(commitsAtBodyEnd(true, 'application/json'), false)
  assert.equal(commitsAtBodyEnd(false, 'audio/mpeg'), false)
})
