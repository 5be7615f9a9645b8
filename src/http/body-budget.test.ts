// BodyBudget: reservations up to the limit, never past it, and all of it back once released.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BodyBudget } from './body-budget.js'

test('reservations fit up to the limit exactly; one byte more is refused; releases give it back', () => {
  const budget = new BodyBudget(100)
  assert.equal(budget.tryReserve(60), true)
  assert.equal(budget.tryReserve(40), true)
  assert.equal(budget.tryReserve(1), false)
  assert.equal(budget.used, 100)
  budget.release(60)
  assert.equal(budget.tryReserve(61), false)
  assert.equal(budget.tryReserve(60), true)
  budget.release(100)
  assert.equal(budget.used, 0)
})

test('clients without a key hold at most half of the whole, and what they hold counts in it', () => {
  const budget = new BodyBudget(100)
  const anonymous = budget.anonymous
  assert.equal(anonymous.tryReserve(50), true)
  assert.equal(anonymous.tryReserve(1), false)
  assert.equal(budget.used, 50)
  // Keyed clients still find the other half.
  assert.equal(budget.tryReserve(50), true)
  assert.equal(budget.tryReserve(1), false)
  anonymous.release(50)
  assert.equal(budget.used, 50)
  assert.equal(anonymous.used, 0)
  // A whole that keyed clients have filled leaves the share nothing either.
  assert.equal(budget.tryReserve(40), true)
  assert.equal(anonymous.tryReserve(20), false)
  assert.equal(anonymous.used, 0)
  assert.equal(budget.used, 90)
})
