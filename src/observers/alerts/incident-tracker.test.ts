// IncidentTracker: one message when something starts failing, folded repeats, reminders at most once per
// interval, and one recovery message; time moves only when the test moves it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../../time/manual-clock.js'
import { IncidentTracker, type Notice } from './incident-tracker.js'

function tracker(repeatIntervalMs = 60_000): { clock: ManualClock; notices: Notice[]; folded: () => number; tracker: IncidentTracker } {
  const clock = new ManualClock()
  const notices: Notice[] = []
  let folded = 0
  const t = new IncidentTracker({
    policy: {
      thresholds: {
        upstream: { failuresToOpen: 3, successesToRecover: 2 },
        all_failed: { failuresToOpen: 1, successesToRecover: 1 },
        store: { failuresToOpen: 1, successesToRecover: 1 },
        config: { failuresToOpen: 1, successesToRecover: 1 },
      },
      repeatIntervalMs,
    },
    clock,
    emit: (notice) => notices.push(notice),
    folded: (count) => (folded += count),
  })
  return { clock, notices, folded: () => folded, tracker: t }
}

test('an upstream opens an incident after the configured failures in a row, once', () => {
  const { notices, tracker: t, folded } = tracker()
  t.failure('upstream', 'a', 'upstream_status, HTTP 503')
  t.failure('upstream', 'a', 'upstream_status, HTTP 503')
  assert.equal(notices.length, 0)
  t.failure('upstream', 'a', 'upstream_timeout')
  assert.equal(notices.length, 1)
  assert.deepEqual(
    { ...notices[0], incident: 0 },
    {
      incident: 0,
      kind: 'upstream',
      subject: 'a',
      phase: 'opened',
      openedAt: notices[0]?.at,
      at: notices[0]?.at,
      failures: 3,
      detail: 'upstream_timeout',
    },
  )
  for (let i = 0; i < 500; i++) t.failure('upstream', 'a', 'upstream_timeout')
  assert.equal(notices.length, 1, 'repeats do not send')
  assert.equal(folded(), 500)
})

test('a success between failures resets the count: scattered failures open nothing', () => {
  const { notices, tracker: t } = tracker()
  for (let i = 0; i < 100; i++) {
    t.failure('upstream', 'a', 'x')
    t.failure('upstream', 'a', 'x')
    t.success('upstream', 'a')
  }
  assert.equal(notices.length, 0)
})

test('recovery needs the configured successes in a row and reports the whole incident', () => {
  const { clock, notices, tracker: t } = tracker()
  for (let i = 0; i < 300; i++) t.failure('upstream', 'a', 'upstream_status, HTTP 503')
  clock.advance(125_000)
  t.success('upstream', 'a')
  t.failure('upstream', 'a', 'upstream_status, HTTP 502')
  t.success('upstream', 'a')
  assert.equal(notices.length, 1, 'one success is not enough')
  t.success('upstream', 'a')
  assert.equal(notices.length, 2)
  const recovered = notices[1]
  assert.equal(recovered?.phase, 'recovered')
  assert.equal(recovered?.failures, 301)
  assert.equal(recovered?.detail, 'upstream_status, HTTP 502')
  assert.equal((recovered?.at ?? 0) - (recovered?.openedAt ?? 0), 125_000)
  t.success('upstream', 'a')
  assert.equal(notices.length, 2)
})

test('reminders: at most one per interval, only with new failures, carrying the count since the last message', () => {
  const { clock, notices, tracker: t } = tracker(60_000)
  for (let i = 0; i < 3; i++) t.failure('upstream', 'a', 'x')
  clock.advance(30_000)
  for (let i = 0; i < 40; i++) t.failure('upstream', 'a', 'y')
  t.tick()
  assert.equal(notices.length, 1, 'not yet: the interval has not passed')
  clock.advance(30_000)
  t.tick()
  assert.equal(notices.length, 2)
  assert.equal(notices[1]?.phase, 'ongoing')
  assert.equal(notices[1]?.failures, 40)
  assert.equal(notices[1]?.detail, 'y')
  clock.advance(120_000)
  t.tick()
  assert.equal(notices.length, 2, 'no new failures, no reminder')
  t.failure('upstream', 'a', 'z')
  t.tick()
  assert.equal(notices.length, 3, 'a new failure after a quiet interval is reported at the next tick')
  assert.equal(notices[2]?.failures, 1)
})

test('subjects and kinds are independent; a new incident after recovery has a new id', () => {
  const { notices, tracker: t } = tracker()
  t.failure('all_failed', 'gpt-4o', 'HTTP 502')
  t.failure('all_failed', 'other', 'HTTP 502')
  t.failure('store', 'records', '5 records dropped')
  assert.deepEqual(
    notices.map((n) => `${n.kind}/${n.subject}/${n.phase}`),
    ['all_failed/gpt-4o/opened', 'all_failed/other/opened', 'store/records/opened'],
  )
  assert.deepEqual(
    [...t.openByKind()],
    [
      ['upstream', 0],
      ['all_failed', 2],
      ['store', 1],
      ['config', 0],
    ],
  )
  t.success('all_failed', 'gpt-4o')
  t.failure('all_failed', 'gpt-4o', 'HTTP 504')
  const [first, , , recovered, again] = notices
  assert.equal(recovered?.phase, 'recovered')
  assert.equal(again?.phase, 'opened')
  assert.notEqual(again?.incident, first?.incident)
})

test('an incident decided elsewhere (a breaker): opened at once, reopening folds into it, recovered at once', () => {
  const { notices, tracker: t, folded } = tracker()
  t.failure('upstream', 'a', 'upstream_timeout')
  t.opened('upstream', 'a', 'upstream_status, HTTP 503', 5)
  t.opened('upstream', 'a', 'upstream_status, HTTP 503', 1)
  t.recovered('upstream', 'a')
  t.recovered('upstream', 'a')
  t.opened('upstream', 'b', 'upstream_status, HTTP 429', 1)
  assert.deepEqual(
    notices.map((n) => [n.subject, n.phase, n.failures]),
    [
      ['a', 'opened', 5],
      ['a', 'recovered', 6],
      ['b', 'opened', 3],
    ],
  )
  assert.equal(folded(), 1)
})
