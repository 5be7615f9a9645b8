import assert from 'node:assert/strict'
import { test } from 'node:test'
import { timeOrderedUid } from './time-ordered-uid.js'

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('a record uid is a UUIDv7 carrying the wall-clock milliseconds', () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0, 123)
  const uid = timeOrderedUid({ wallNow: () => now })()
  assert.match(uid, uuidV7)
  assert.equal(parseInt(uid.replace('-', '').slice(0, 12), 16), now)
})

test('record uids sort by creation time, and ids made in the same millisecond still differ', () => {
  let now = 1_700_000_000_000
  const newUid = timeOrderedUid({ wallNow: () => now })
  const sameMs = [newUid(), newUid(), newUid()]
  assert.equal(new Set(sameMs).size, 3)
  const later: string[] = []
  for (const step of [1, 255, 256, 65_536, 86_400_000]) {
    now += step
    later.push(newUid())
  }
  const all = [...sameMs, ...later]
  for (let i = 3; i < all.length; i++) assert.ok((all[i - 1] as string) < (all[i] as string), `${all[i - 1]} sorts before ${all[i]}`)
})

test('the random part comes from the injected random bytes, with the version and variant bits set', () => {
  let fills = 0
  const uid = timeOrderedUid({ wallNow: () => 0 }, (bytes) => {
    fills++
    bytes.fill(0xff)
  })
  assert.equal(uid(), '00000000-0000-7fff-bfff-ffffffffffff')
  const zero = timeOrderedUid({ wallNow: () => 0x0123_4567_89ab }, (bytes) => bytes.fill(0))
  assert.equal(zero(), '01234567-89ab-7000-8000-000000000000')
  assert.equal(fills, 1)
})

test('the random pool is refilled every 256 ids, so later ids take fresh bytes', () => {
  let fills = 0
  let state = 0x2545f491
  const newUid = timeOrderedUid({ wallNow: () => 0 }, (bytes) => {
    fills++
    // xorshift32: a fixed sequence that does not repeat within the test
    for (let i = 0; i < bytes.length; i++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      bytes[i] = state & 0xff
    }
  })
  const ids = Array.from({ length: 600 }, () => newUid())
  assert.equal(fills, 3)
  for (const id of ids) assert.match(id, uuidV7)
  assert.equal(new Set(ids).size, ids.length)
})
