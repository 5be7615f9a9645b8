// OutcomeDelivery: metrics, alerts and logs get every outcome at once; records wait for its own usage only.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RequestOutcome, TokenUsage } from '../outcome/request-outcome.js'
import { OutcomeDelivery } from './outcome-delivery.js'

const outcome = (requestId: string): RequestOutcome => ({ requestId, usage: undefined }) as RequestOutcome
const reported: TokenUsage = { promptTokens: 5, completionTokens: 2, totalTokens: 7, source: 'reported' }
const estimated: TokenUsage = { promptTokens: 9, completionTokens: 4, totalTokens: 13, source: 'estimated' }

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function delivery(): { seen: string[]; errors: unknown[]; outcomes: OutcomeDelivery } {
  const seen: string[] = []
  const errors: unknown[] = []
  const outcomes = new OutcomeDelivery({
    atOnce: [(o) => seen.push(`now ${o.requestId} ${o.usage?.source ?? '-'}`)],
    withUsage: [(o) => seen.push(`record ${o.requestId} ${o.usage?.source ?? '-'}`)],
    lateUsage: [(o) => seen.push(`late ${o.requestId} ${o.usage?.source ?? '-'}`)],
    onError: (error) => errors.push(error),
  })
  return { seen, errors, outcomes }
}

test('known usage: every observer sees the outcome at once, with it', () => {
  const { seen, outcomes } = delivery()
  outcomes.push(outcome('a'), reported)
  outcomes.push(outcome('b'), undefined)
  assert.deepEqual(seen, ['now a reported', 'record a reported', 'now b -', 'record b -'])
  assert.equal(outcomes.pending, 0)
})

test('an estimate being counted holds back only its own record, never the next outcome', async () => {
  const { seen, outcomes } = delivery()
  const first = deferred<TokenUsage | undefined>()
  outcomes.push(outcome('first'), first.promise)
  outcomes.push(outcome('second'), reported)
  assert.deepEqual(seen, ['now first -', 'now second reported', 'record second reported'])
  assert.equal(outcomes.pending, 1)
  const drained = outcomes.drained()
  first.resolve(estimated)
  await drained
  assert.deepEqual(seen.slice(3), ['late first estimated', 'record first estimated'])
})

test('an estimate that fails still records the outcome, without figures', async () => {
  const { seen, errors, outcomes } = delivery()
  const broken = deferred<TokenUsage | undefined>()
  outcomes.push(outcome('x'), broken.promise)
  const drained = outcomes.drained()
  broken.reject(new Error('estimate failed'))
  await drained
  assert.deepEqual(seen, ['now x -', 'record x -'])
  assert.equal(errors.length, 1)
})

test('an observer that throws does not keep the others from the outcome', () => {
  const seen: string[] = []
  const errors: unknown[] = []
  const outcomes = new OutcomeDelivery({
    atOnce: [
      () => {
        throw new Error('broken observer')
      },
      (o) => seen.push(o.requestId),
    ],
    withUsage: [(o) => seen.push(`record ${o.requestId}`)],
    lateUsage: [],
    onError: (error) => errors.push(error),
  })
  outcomes.push(outcome('a'), undefined)
  assert.deepEqual(seen, ['a', 'record a'])
  assert.equal(errors.length, 1)
})
