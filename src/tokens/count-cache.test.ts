import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CountCache } from './count-cache.js'

function counting(): { encode: (text: string) => number; calls: string[] } {
  const calls: string[] = []
  return { calls, encode: (text) => (calls.push(text), text.length) }
}

test('a text counted once is answered from memory the next time, with the same count', () => {
  const cache = new CountCache(1000)
  const { encode, calls } = counting()
  assert.equal(cache.count('You are a helpful assistant.', encode), 28)
  assert.equal(cache.count('You are a helpful assistant.', encode), 28)
  assert.deepEqual(calls, ['You are a helpful assistant.'])
})

test('past its character budget the least recently used texts go first', () => {
  const cache = new CountCache(30, 10)
  const { encode, calls } = counting()
  for (const text of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']) cache.count(text, encode)
  cache.count('aaaaaaaaaa', encode) // used again: now the most recent
  cache.count('dddddddddd', encode) // over budget: b, the least recently used, goes
  assert.deepEqual(cache.size, { texts: 3, chars: 30 })
  calls.length = 0
  cache.count('aaaaaaaaaa', encode)
  cache.count('cccccccccc', encode)
  cache.count('dddddddddd', encode)
  assert.deepEqual(calls, [])
  cache.count('bbbbbbbbbb', encode)
  assert.deepEqual(calls, ['bbbbbbbbbb'])
})

test('a text longer than one entry may be is counted every time and kept nowhere', () => {
  const cache = new CountCache(100, 10)
  const { encode, calls } = counting()
  const long = 'x'.repeat(11)
  cache.count(long, encode)
  cache.count(long, encode)
  assert.equal(calls.length, 2)
  assert.deepEqual(cache.size, { texts: 0, chars: 0 })
})
