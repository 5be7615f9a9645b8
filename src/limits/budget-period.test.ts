import assert from 'node:assert/strict'
import { test } from 'node:test'
import { budgetPeriodBounds } from './budget-period.js'

const at = (iso: string): number => Date.parse(iso)

test('a day is the UTC calendar day holding the instant', () => {
  assert.deepEqual(budgetPeriodBounds('day', at('2026-12-07T23:59:59.999Z')), {
    id: 'day:2026-12-07',
    startsAt: at('2026-12-07T00:00:00Z'),
    endsAt: at('2026-12-08T00:00:00Z'),
  })
  assert.equal(budgetPeriodBounds('day', at('2026-12-08T00:00:00Z')).id, 'day:2026-12-08')
})

test('a week starts on Monday, UTC, whatever day the instant falls on', () => {
  const monday = { id: 'week:2026-12-07', startsAt: at('2026-12-07T00:00:00Z'), endsAt: at('2026-12-14T00:00:00Z') }
  assert.deepEqual(budgetPeriodBounds('week', at('2026-12-07T00:00:00Z')), monday)
  assert.deepEqual(budgetPeriodBounds('week', at('2026-12-10T12:00:00Z')), monday)
  assert.deepEqual(budgetPeriodBounds('week', at('2026-12-13T23:59:59.999Z')), monday)
  // Across a month and a year: Sunday 2027-01-03 is in the week of Monday 2026-12-28.
  assert.deepEqual(budgetPeriodBounds('week', at('2027-01-03T08:00:00Z')), {
    id: 'week:2026-12-28',
    startsAt: at('2026-12-28T00:00:00Z'),
    endsAt: at('2027-01-04T00:00:00Z'),
  })
})

test('a month runs from its first day to the next month, December into January and February in a leap year', () => {
  assert.deepEqual(budgetPeriodBounds('month', at('2026-12-31T23:00:00Z')), {
    id: 'month:2026-12',
    startsAt: at('2026-12-01T00:00:00Z'),
    endsAt: at('2027-01-01T00:00:00Z'),
  })
  assert.deepEqual(budgetPeriodBounds('month', at('2028-02-29T10:00:00Z')), {
    id: 'month:2028-02',
    startsAt: at('2028-02-01T00:00:00Z'),
    endsAt: at('2028-03-01T00:00:00Z'),
  })
})

test('total has one period that never ends', () => {
  assert.deepEqual(budgetPeriodBounds('total', at('2026-12-07T10:00:00Z')), { id: 'total', startsAt: 0, endsAt: undefined })
})
