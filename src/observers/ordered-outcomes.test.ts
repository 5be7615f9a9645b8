import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RequestOutcome } from '../relay/request-outcome.js'
import { OrderedOutcomes } from './ordered-outcomes.js'

const outcome = (requestId: string): RequestOutcome => ({ requestId }) as RequestOutcome

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

test('an outcome with nothing ahead of it is delivered at once', () => {
  const seen: string[] = []
  const ordered = new OrderedOutcomes((o) => seen.push(o.requestId))
  ordered.push(outcome('a'))
  assert.deepEqual(seen, ['a'])
  assert.equal(ordered.pending, 0)
})

test('outcomes behind one still being estimated wait for it, then come in order', async () => {
  const seen: string[] = []
  const ordered = new OrderedOutcomes((o) => seen.push(o.requestId))
  const first = deferred<RequestOutcome>()
  ordered.push(first.promise)
  ordered.push(outcome('second'))
  const third = deferred<RequestOutcome>()
  ordered.push(third.promise)
  ordered.push(outcome('fourth'))
  assert.deepEqual(seen, [])
  third.resolve(outcome('third'))
  await third.promise
  assert.deepEqual(seen, [], 'the third may not overtake the first')
  const drained = ordered.drained()
  first.resolve(outcome('first'))
  await drained
  assert.deepEqual(seen, ['first', 'second', 'third', 'fourth'])
})

test('an outcome that cannot be completed does not hold back the ones behind it', async () => {
  const seen: string[] = []
  const ordered = new OrderedOutcomes((o) => seen.push(o.requestId))
  const broken = deferred<RequestOutcome>()
  ordered.push(broken.promise)
  ordered.push(outcome('next'))
  const drained = ordered.drained()
  broken.reject(new Error('estimate failed'))
  await drained
  assert.deepEqual(seen, ['next'])
})
