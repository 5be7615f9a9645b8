// AttemptDeadlines: first byte, idle gap, total and pause, driven by a manual clock (no real waiting).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { GatewayError } from '../errors/gateway-error.js'
import { ManualClock } from '../time/manual-clock.js'
import { AttemptDeadlines, type DeadlineSettings } from './attempt-deadlines.js'

function startDeadlines(settings: DeadlineSettings): { clock: ManualClock; deadlines: AttemptDeadlines; expired: GatewayError[] } {
  const clock = new ManualClock()
  const expired: GatewayError[] = []
  const deadlines = new AttemptDeadlines(clock, settings, 'primary', (error) => expired.push(error))
  deadlines.start()
  return { clock, deadlines, expired }
}

test('no first byte within the first-byte deadline expires with upstream_timeout', () => {
  const { clock, expired } = startDeadlines({ firstByteMs: 300, idleMs: 5000, totalMs: 0 })
  clock.advance(299)
  assert.equal(expired.length, 0)
  clock.advance(1)
  assert.equal(expired.length, 1)
  assert.equal(expired[0]?.code, 'upstream_timeout')
  assert.match(expired[0]?.message ?? '', /0\.3s/)
})

test('any first byte meets the first-byte deadline; later bytes are then bounded by the idle deadline only', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 300, idleMs: 5000, totalMs: 0 })
  clock.advance(100)
  deadlines.touch()
  clock.advance(4000)
  assert.equal(expired.length, 0, 'a gap longer than the first-byte deadline but within the idle one is fine')
  deadlines.touch()
  clock.advance(4999)
  assert.equal(expired.length, 0)
  clock.advance(1)
  assert.equal(expired.length, 1)
  assert.equal(expired[0]?.code, 'upstream_idle_timeout')
})

test('an idle deadline shorter than the first-byte one applies from the first byte on', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 10_000, idleMs: 200, totalMs: 0 })
  clock.advance(50)
  deadlines.touch()
  clock.advance(200)
  assert.equal(expired.length, 1)
  assert.equal(expired[0]?.code, 'upstream_idle_timeout')
  assert.equal(clock.now(), 250)
})

test('the idle gap counts from the latest chunk, however long the stream runs', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 1000, idleMs: 100, totalMs: 0 })
  for (let i = 0; i < 50; i++) {
    clock.advance(90)
    deadlines.touch()
  }
  assert.equal(expired.length, 0)
  clock.advance(100)
  assert.deepEqual(
    expired.map((e) => e.code),
    ['upstream_idle_timeout'],
  )
})

test('chunks only stamp the time: a busy stream sets no timer per chunk and keeps at most one pending', () => {
  const { clock, deadlines } = startDeadlines({ firstByteMs: 1000, idleMs: 1000, totalMs: 0 })
  const before = clock.delays.length
  for (let i = 0; i < 1000; i++) {
    clock.advance(1)
    deadlines.touch()
  }
  assert.ok(clock.delays.length - before <= 3, `set ${clock.delays.length - before} timers for 1000 chunks`)
  assert.equal(clock.pending, 1)
})

test('the total deadline ends a stream that never goes idle, with upstream_timeout', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 1000, idleMs: 100, totalMs: 500 })
  for (let i = 0; i < 9; i++) {
    clock.advance(50)
    deadlines.touch()
  }
  assert.equal(expired.length, 0)
  clock.advance(50)
  assert.equal(expired.length, 1)
  assert.equal(expired[0]?.code, 'upstream_timeout')
  assert.match(expired[0]?.message ?? '', /total/)
  assert.equal(clock.now(), 500)
})

test('the total deadline applies before the first byte too when it is the nearest', () => {
  const { clock, expired } = startDeadlines({ firstByteMs: 10_000, idleMs: 10_000, totalMs: 400 })
  clock.advance(400)
  assert.equal(expired[0]?.code, 'upstream_timeout')
  assert.match(expired[0]?.message ?? '', /total/)
})

test('0 switches each deadline off', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 0, idleMs: 0, totalMs: 0 })
  clock.advance(10_000_000)
  deadlines.touch()
  clock.advance(10_000_000)
  assert.equal(expired.length, 0)
  assert.equal(clock.pending, 0)
})

test('no first-byte limit still bounds the gaps once bytes flow', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 0, idleMs: 100, totalMs: 0 })
  clock.advance(1_000_000)
  assert.equal(expired.length, 0)
  deadlines.touch()
  clock.advance(100)
  assert.equal(expired[0]?.code, 'upstream_idle_timeout')
})

test('while paused for a slow client the idle gap is not counted; resume restarts it', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 1000, idleMs: 100, totalMs: 0 })
  deadlines.touch()
  deadlines.pause()
  clock.advance(10_000)
  assert.equal(expired.length, 0)
  deadlines.resume()
  clock.advance(99)
  assert.equal(expired.length, 0)
  clock.advance(1)
  assert.equal(expired[0]?.code, 'upstream_idle_timeout')
})

test('pausing does not stretch the total deadline', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 1000, idleMs: 100, totalMs: 300 })
  deadlines.touch()
  deadlines.pause()
  clock.advance(300)
  assert.equal(expired[0]?.code, 'upstream_timeout')
})

test('stop cancels every deadline and leaves no timer behind', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 100, idleMs: 100, totalMs: 100 })
  deadlines.stop()
  assert.equal(clock.pending, 0)
  clock.advance(1000)
  assert.equal(expired.length, 0)
})

test('a deadline expires once', () => {
  const { clock, deadlines, expired } = startDeadlines({ firstByteMs: 100, idleMs: 100, totalMs: 150 })
  clock.advance(100)
  deadlines.touch()
  clock.advance(1000)
  assert.equal(expired.length, 1)
})
