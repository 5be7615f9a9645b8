// requestIdFor: the client's x-request-id when it is sane, else a fresh time-ordered UUID (v7).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { requestIdFor } from './request-id.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test("the client's printable id is kept as it is", () => {
  assert.equal(requestIdFor('req-123'), 'req-123')
  assert.equal(requestIdFor('a/b:c=d'), 'a/b:c=d')
  assert.equal(requestIdFor('x'.repeat(200)), 'x'.repeat(200))
})

test('a missing id gets a fresh UUID each time', () => {
  const first = requestIdFor(undefined)
  const second = requestIdFor(undefined)
  assert.match(first, uuid)
  assert.match(second, uuid)
  assert.notEqual(first, second)
})

test('an id that is empty, too long, has blanks or control characters, or is repeated is replaced', () => {
  for (const bad of ['', 'x'.repeat(201), 'has space', 'tab\there', 'new\nline', 'é', ['a', 'b']]) {
    assert.match(requestIdFor(bad), uuid, JSON.stringify(bad))
  }
})
