// The breaker's state machine on a ManualClock: opening by count, by rate and by back-off signals, cooldowns that
// double up to a cap, one probe at a time, and a switch that turns it all off.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { HealthConfig } from '../config/gateway-config.js'
import { defaultHealthConfig } from '../config/to-gateway-config.js'
import { ManualClock } from '../time/manual-clock.js'
import { Breaker } from './breaker.js'

function breaker(overrides: Partial<HealthConfig> = {}): { breaker: Breaker; clock: ManualClock } {
  const clock = new ManualClock()
  return { breaker: new Breaker({ ...defaultHealthConfig, ...overrides }, clock), clock }
}

test('five failures in a row open it for the cooldown; a success in between starts the count again', () => {
  const { breaker: b, clock } = breaker()
  for (let i = 0; i < 4; i++) b.failed()
  b.succeeded()
  for (let i = 0; i < 4; i++) assert.equal(b.failed(), undefined)
  assert.equal(b.state, 'closed')
  assert.deepEqual(b.failed(), { from: 'closed', to: 'open' })
  assert.deepEqual(b.status(), { state: 'open', openUntil: 30_000, cooldownMs: 30_000, rateLimited: false })
  assert.equal(b.usable, false)
  clock.advance(29_999)
  assert.equal(b.state, 'open')
  clock.advance(1)
  assert.equal(b.state, 'half_open')
  assert.equal(b.usable, true)
})

test('a failure rate at or above the threshold over the window opens it once enough attempts were seen', () => {
  const { breaker: b, clock } = breaker({ failuresToOpen: 100, minRequests: 10, failureRate: 0.5, windowMs: 60_000 })
  // Alternating: never two failures in a row, half of them failed.
  for (let i = 0; i < 9; i++) {
    if (i % 2 === 0) b.failed()
    else b.succeeded()
    clock.advance(1000)
  }
  assert.equal(b.state, 'closed', '9 attempts: fewer than min_requests')
  assert.deepEqual(b.failed(), { from: 'closed', to: 'open' }, '6 of 10 failed')
})

test('attempts older than the window no longer count toward the rate', () => {
  const { breaker: b, clock } = breaker({ failuresToOpen: 100, minRequests: 4, failureRate: 0.5, windowMs: 10_000 })
  b.failed()
  b.failed()
  b.failed()
  clock.advance(11_000)
  b.succeeded()
  b.succeeded()
  b.succeeded()
  assert.equal(b.failed(), undefined, '1 of 4 in the window')
  assert.equal(b.state, 'closed')
})

test('a 429 or 503 with a back-off opens it until then, whatever the count, capped at max_cooldown', () => {
  const { breaker: b, clock } = breaker()
  assert.deepEqual(b.failed(7000), { from: 'closed', to: 'open' })
  assert.deepEqual(b.status(), { state: 'open', openUntil: 7000, cooldownMs: 30_000, rateLimited: true })
  clock.advance(7000)
  assert.equal(b.state, 'half_open')
  const capped = breaker({ maxCooldownMs: 60_000 }).breaker
  capped.failed(3_600_000)
  assert.equal(capped.status().openUntil, 60_000)
})

test('a later, shorter signal never shortens an open state; a longer one extends it', () => {
  const { breaker: b, clock } = breaker()
  b.failed(360_000 - 60_000)
  clock.advance(1000)
  b.failed(1000)
  assert.equal(b.status().openUntil, 300_000)
  for (let i = 0; i < 5; i++) b.failed()
  assert.equal(b.status().openUntil, 300_000, 'plain failures while open change nothing')
  const { breaker: counted, clock: clock2 } = breaker()
  for (let i = 0; i < 5; i++) counted.failed()
  clock2.advance(1000)
  counted.failed(2000)
  assert.deepEqual(counted.status(), { state: 'open', openUntil: 30_000, cooldownMs: 30_000, rateLimited: false })
  counted.failed(60_000)
  assert.deepEqual(counted.status(), { state: 'open', openUntil: 61_000, cooldownMs: 30_000, rateLimited: true })
})

test('half-open lets exactly one probe through until it is reported or given back', () => {
  const { breaker: b, clock } = breaker()
  for (let i = 0; i < 5; i++) b.failed()
  assert.equal(b.claimProbe(), false, 'not while open')
  clock.advance(30_000)
  assert.equal(b.claimProbe(), true)
  assert.equal(b.claimProbe(), false)
  assert.equal(b.usable, false)
  b.releaseProbe()
  assert.equal(b.usable, true)
  assert.equal(b.claimProbe(), true)
  assert.deepEqual(b.succeeded(), { from: 'half_open', to: 'closed' })
  assert.equal(b.claimProbe(), false, 'closed: no probe needed')
  assert.equal(b.usable, true)
})

test('a failed probe reopens it with the cooldown doubled, up to max_cooldown; a success resets the cooldown', () => {
  const { breaker: b, clock } = breaker({ cooldownMs: 30_000, maxCooldownMs: 100_000 })
  for (let i = 0; i < 5; i++) b.failed()
  const openings: number[] = []
  for (let i = 0; i < 4; i++) {
    const { openUntil } = b.status()
    openings.push(openUntil - clock.now())
    clock.advance(openUntil - clock.now())
    assert.equal(b.claimProbe(), true)
    assert.deepEqual(b.failed(), { from: 'half_open', to: 'open' })
  }
  openings.push(b.status().openUntil - clock.now())
  assert.deepEqual(openings, [30_000, 60_000, 100_000, 100_000, 100_000])
  clock.advance(100_000)
  b.claimProbe()
  b.succeeded()
  for (let i = 0; i < 5; i++) b.failed()
  assert.equal(b.status().cooldownMs, 30_000)
})

test('a success while open on a plain failure count closes it; one while a back-off is in force does not', () => {
  const counted = breaker().breaker
  for (let i = 0; i < 5; i++) counted.failed()
  assert.deepEqual(counted.succeeded(), { from: 'open', to: 'closed' })
  const limited = breaker().breaker
  limited.failed(10_000)
  assert.equal(limited.succeeded(), undefined)
  assert.equal(limited.state, 'open')
})

test('enabled: false never opens, whatever it hears', () => {
  const { breaker: b } = breaker({ enabled: false })
  for (let i = 0; i < 50; i++) assert.equal(b.failed(i % 2 === 0 ? 60_000 : undefined), undefined)
  assert.equal(b.restore({ state: 'open', openUntil: 60_000, cooldownMs: 30_000, rateLimited: false }), undefined)
  assert.equal(b.state, 'closed')
  assert.equal(b.usable, true)
})

test('observe reports the change time made on its own, once', () => {
  const { breaker: b, clock } = breaker()
  for (let i = 0; i < 5; i++) b.failed()
  assert.equal(b.observe(), undefined, 'the opening was reported by failed()')
  clock.advance(30_000)
  assert.deepEqual(b.observe(), { from: 'open', to: 'half_open' })
  assert.equal(b.observe(), undefined)
})

test('an active probe that found it up makes an open breaker half-open now; not a closed one, nor one under a back-off', () => {
  const { breaker: plain } = breaker({ failuresToOpen: 1 })
  assert.equal(plain.probedHealthy(), undefined)
  plain.failed()
  assert.deepEqual(plain.probedHealthy(), { from: 'open', to: 'half_open' })
  assert.equal(plain.claimProbe(), true)
  const { breaker: limited } = breaker()
  limited.failed(10_000)
  assert.equal(limited.probedHealthy(), undefined)
  assert.equal(limited.state, 'open')
})
