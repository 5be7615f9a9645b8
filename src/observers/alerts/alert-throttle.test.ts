// AlertThrottle: the maximum rate holds; held notices wait, merge per incident, and go out when the rate allows.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../../time/manual-clock.js'
import { AlertThrottle } from './alert-throttle.js'
import type { Notice } from './incident-tracker.js'

const notice = (incident: number, subject: string, phase: Notice['phase'], failures = 1): Notice => ({
  incident,
  kind: 'upstream',
  subject,
  phase,
  openedAt: 0,
  at: 0,
  failures,
  detail: 'd',
})

function throttle(maxMessages: number): { clock: ManualClock; sent: Notice[]; merged: () => number; throttle: AlertThrottle } {
  const clock = new ManualClock()
  const sent: Notice[] = []
  let merged = 0
  const t = new AlertThrottle({
    maxMessages,
    windowMs: 3_600_000,
    clock,
    deliver: (n) => sent.push(n),
    merged: (count) => (merged += count),
  })
  return { clock, sent, merged: () => merged, throttle: t }
}

test('no more than the maximum per window; the rest waits for the window to move', () => {
  const { clock, sent, throttle: t } = throttle(2)
  t.offer(notice(1, 'a', 'opened'))
  t.offer(notice(2, 'b', 'opened'))
  t.offer(notice(3, 'c', 'opened'))
  assert.deepEqual(
    sent.map((n) => n.subject),
    ['a', 'b'],
  )
  assert.equal(t.waiting(), 1)
  clock.advance(3_599_999)
  t.tick()
  assert.equal(sent.length, 2)
  clock.advance(1)
  t.tick()
  assert.deepEqual(
    sent.map((n) => n.subject),
    ['a', 'b', 'c'],
  )
  assert.equal(t.waiting(), 0)
})

test('a waiting opening absorbs later reminders, and a recovery replaces it: one message tells the whole story', () => {
  const { clock, sent, merged, throttle: t } = throttle(1)
  t.offer(notice(1, 'x', 'opened'))
  t.offer(notice(2, 'a', 'opened', 3))
  t.offer(notice(2, 'a', 'ongoing', 40))
  assert.equal(t.waiting(), 1)
  t.offer(notice(2, 'a', 'recovered', 300))
  assert.equal(t.waiting(), 1)
  assert.equal(merged(), 2)
  clock.advance(3_600_000)
  t.tick()
  assert.deepEqual(
    sent.map((n) => `${n.subject}/${n.phase}/${n.failures}`),
    ['x/opened/1', 'a/recovered/300'],
  )
})

test('an opening merged with reminders adds their counts', () => {
  const { clock, sent, throttle: t } = throttle(1)
  t.offer(notice(1, 'x', 'opened'))
  t.offer(notice(2, 'a', 'opened', 3))
  t.offer(notice(2, 'a', 'ongoing', 40))
  clock.advance(3_600_000)
  t.tick()
  assert.equal(sent[1]?.failures, 43)
  assert.equal(sent[1]?.phase, 'opened')
})

test('a new incident of the same subject is not merged into a waiting recovery', () => {
  const { clock, sent, throttle: t } = throttle(1)
  t.offer(notice(1, 'x', 'opened'))
  t.offer(notice(2, 'a', 'recovered'))
  t.offer(notice(3, 'a', 'opened'))
  assert.equal(t.waiting(), 2)
  clock.advance(3_600_000)
  t.tick()
  clock.advance(3_600_000)
  t.tick()
  assert.deepEqual(
    sent.map((n) => `${n.incident}/${n.phase}`),
    ['1/opened', '2/recovered', '3/opened'],
  )
})

test('once the window has room, notices that waited go out before a newer one', () => {
  const { clock, sent, throttle: t } = throttle(1)
  t.offer(notice(1, 'a', 'opened'))
  t.offer(notice(2, 'b', 'opened'))
  clock.advance(3_600_000)
  t.offer(notice(3, 'c', 'opened'))
  assert.deepEqual(
    sent.map((n) => n.subject),
    ['a', 'b'],
  )
  assert.equal(t.waiting(), 1)
})
