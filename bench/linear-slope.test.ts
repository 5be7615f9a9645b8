import { test } from 'node:test'
import assert from 'node:assert/strict'
import { linearSlope } from './linear-slope.js'

test("the slope of points on a line is that line's slope", () => {
  assert.equal(linearSlope([0, 1, 2, 3].map((x) => ({ x, y: 5 + 2 * x }))), 2)
})

test('a sawtooth around a flat level has a slope near 0, whatever its last point', () => {
  const saw = Array.from({ length: 40 }, (_, x) => ({ x, y: 100 + (x % 4 === 3 ? 8 : 0) }))
  assert.ok(Math.abs(linearSlope(saw) as number) < 0.1)
})

test('fewer than two points, or all at one x, have no slope', () => {
  assert.equal(linearSlope([{ x: 1, y: 1 }]), null)
  assert.equal(
    linearSlope([
      { x: 1, y: 1 },
      { x: 1, y: 2 },
    ]),
    null,
  )
})
