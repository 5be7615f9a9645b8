// HeldBody: chunks kept up to a bound, then handed back whole and in order.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HeldBody } from './held-body.js'

test('chunks are held up to the bound and taken back whole, in order', () => {
  const body = new HeldBody(10)
  assert.equal(body.hold(Buffer.from('abcd')), true)
  assert.equal(body.hold(Buffer.from('efghij')), true, 'exactly the bound is still held')
  assert.equal(body.take().toString(), 'abcdefghij')
  assert.equal(body.take().length, 0, 'nothing is held after take()')
})

test('a chunk that takes the body past the bound is held too, and hold() says so', () => {
  const body = new HeldBody(4)
  assert.equal(body.hold(Buffer.from('abc')), true)
  assert.equal(body.hold(Buffer.from('de')), false)
  assert.equal(body.take().toString(), 'abcde')
})

test('an empty body takes back as empty', () => {
  assert.equal(new HeldBody(4).take().length, 0)
})
