// ManualClock: time moves only when told, timers run in order at their own time, stepping runs each by itself.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock, settle } from './manual-clock.js'

test('time stands still until advanced; a timer runs once its time is reached, not before', () => {
  const clock = new ManualClock()
  const ran: number[] = []
  clock.setTimeout(() => ran.push(clock.now()), 100)
  clock.advance(99)
  assert.deepEqual(ran, [])
  assert.equal(clock.now(), 99)
  clock.advance(1)
  assert.deepEqual(ran, [100])
  assert.equal(clock.pending, 0)
})

test('timers due in one advance run in time order (ties in the order set), each seeing its own time', () => {
  const clock = new ManualClock()
  const ran: string[] = []
  clock.setTimeout(() => ran.push(`c@${clock.now()}`), 30)
  clock.setTimeout(() => ran.push(`a@${clock.now()}`), 10)
  clock.setTimeout(() => ran.push(`b@${clock.now()}`), 10)
  clock.advance(50)
  assert.deepEqual(ran, ['a@10', 'b@10', 'c@30'])
  assert.equal(clock.now(), 50)
})

test('a timer set by a running timer runs in the same advance when it falls due within it', () => {
  const clock = new ManualClock()
  const ran: number[] = []
  clock.setTimeout(() => {
    ran.push(clock.now())
    clock.setTimeout(() => ran.push(clock.now()), 15)
    clock.setTimeout(() => ran.push(clock.now()), 500)
  }, 10)
  clock.advance(100)
  assert.deepEqual(ran, [10, 25])
  assert.equal(clock.pending, 1)
})

test('a cleared timer never runs; delays records every delay asked for', () => {
  const clock = new ManualClock()
  let ran = false
  const handle = clock.setTimeout(() => (ran = true), 10)
  clock.setTimeout(() => undefined, 20)
  clock.clearTimeout(handle)
  assert.equal(clock.pending, 1)
  clock.advance(100)
  assert.equal(ran, false)
  assert.deepEqual(clock.delays, [10, 20])
})

test('wall time is the start plus monotonic time; handles can be unref-ed like node timers', () => {
  const clock = new ManualClock({ wallStart: 1_000_000 })
  clock.setTimeout(() => undefined, 5).unref?.()
  clock.advance(250)
  assert.equal(clock.wallNow(), 1_000_250)
  assert.equal(new ManualClock().wallNow(), Date.UTC(2024, 4, 1, 10, 0, 0))
})

test('advanceSettling lets promise callbacks started by one timer run before the next timer', async () => {
  const clock = new ManualClock()
  const seen: string[] = []
  clock.setTimeout(() => {
    void Promise.resolve().then(() => {
      seen.push(`awaited@${clock.now()}`)
      clock.setTimeout(() => seen.push(`retry@${clock.now()}`), 5)
    })
  }, 10)
  clock.setTimeout(() => seen.push(`later@${clock.now()}`), 12)
  await clock.advanceSettling(20)
  assert.deepEqual(seen, ['awaited@10', 'later@12', 'retry@15'])
  assert.equal(clock.now(), 20)
})

test('a stepping clock runs each timer by itself, jumping time to it, and a cleared one not at all', async () => {
  const clock = new ManualClock({ stepping: true })
  const ran: number[] = []
  clock.setTimeout(() => {
    ran.push(clock.now())
    clock.setTimeout(() => ran.push(clock.now()), 500)
  }, 250)
  clock.clearTimeout(clock.setTimeout(() => ran.push(-1), 1))
  assert.deepEqual(ran, [], 'nothing runs synchronously')
  await settle()
  assert.deepEqual(ran, [250, 750])
  assert.deepEqual(clock.delays, [250, 1, 500])
})
