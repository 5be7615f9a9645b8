// EventFramer: whole events out of any split of the bytes, the same boundaries as lastEventBoundary, and the bound.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lastEventBoundary } from './event-boundary.js'
import { EventFramer } from './event-framer.js'

/** Feeds `pieces` and returns every run of whole events, and the rest. */
function frame(pieces: readonly Buffer[], max?: number): { runs: Buffer[]; rest: Buffer | undefined; refused: boolean } {
  const framer = new EventFramer(max)
  const runs: Buffer[] = []
  for (const piece of pieces) {
    const run = framer.push(piece)
    if (run === undefined) return { runs, rest: undefined, refused: true }
    if (run.length > 0) runs.push(run)
  }
  return { runs, rest: framer.takeRest(), refused: false }
}

test('each run ends where lastEventBoundary puts the end of the bytes so far, for every split and line ending', () => {
  const alphabet = ['a', '\n', '\r', ':']
  // Deterministic pseudo-random texts over the bytes that matter, split at every pair of points.
  let seed = 7
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  for (let round = 0; round < 400; round++) {
    const length = 1 + next(14)
    const text = Buffer.from(Array.from({ length }, () => alphabet[next(alphabet.length)]).join(''))
    for (let cut = 0; cut <= length; cut++) {
      for (let cut2 = cut; cut2 <= length; cut2++) {
        const pieces = [text.subarray(0, cut), text.subarray(cut, cut2), text.subarray(cut2)]
        // The reference: the old way, the whole unfinished tail searched again on every read.
        let tail = Buffer.alloc(0)
        const expected: Buffer[] = []
        for (const piece of pieces) {
          const data = Buffer.concat([tail, piece])
          const boundary = lastEventBoundary(data)
          if (boundary > 0) expected.push(data.subarray(0, boundary))
          tail = data.subarray(boundary)
        }
        const { runs, rest } = frame(pieces)
        assert.deepEqual(runs, expected, `${JSON.stringify(text.toString())} cut at ${cut}, ${cut2}`)
        assert.deepEqual(rest ?? Buffer.alloc(0), tail)
      }
    }
  }
})

test('a 40 MiB event read in 64 KiB pieces comes out whole, once', () => {
  const event = Buffer.from(`data: {"content":"${'x'.repeat(40 * 1024 * 1024)}"}\n\n`)
  const pieces: Buffer[] = []
  for (let at = 0; at < event.length; at += 64 * 1024) pieces.push(event.subarray(at, at + 64 * 1024))
  const { runs, rest } = frame(pieces)
  assert.equal(runs.length, 1)
  assert.ok((runs[0] as Buffer).equals(event))
  assert.equal(rest, undefined)
})

test('an event over the bound is refused as soon as its unfinished bytes pass it, or when it arrives whole', () => {
  const small = Buffer.from('data: ok\n\n')
  assert.deepEqual(frame([small, Buffer.from(`data: ${'x'.repeat(64)}`)], 32).refused, true)
  assert.deepEqual(frame([Buffer.from(`data: ${'x'.repeat(64)}\n\n`)], 32).refused, true)
  assert.deepEqual(frame([small, Buffer.from('data: '), Buffer.from('x'.repeat(30)), Buffer.from('\n\n')], 32).refused, true)
  // Exactly at the bound, its blank line included: allowed.
  const exact = Buffer.from(`data: ${'x'.repeat(24)}\n\n`)
  assert.equal(exact.length, 32)
  assert.deepEqual(frame([small, exact.subarray(0, 10), exact.subarray(10)], 32), { runs: [small, exact], rest: undefined, refused: false })
})
