// Bearer tokens: the scheme is optional and its case does not matter.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearerToken } from './bearer-token.js'

test("a Bearer header's token, or the whole value when it has no scheme", () => {
  assert.equal(bearerToken('Bearer  abc '), 'abc')
  assert.equal(bearerToken('abc'), 'abc')
  assert.equal(bearerToken(undefined), undefined)
})
