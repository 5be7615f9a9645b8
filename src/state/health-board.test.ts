// HealthBoard: plans with open upstreams last and one probe per half-open upstream, attempt reports, changes going
// out through the HealthSync, and records from elsewhere applied without ever shortening an open state.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../config/load-config.js'
import { ManualClock } from '../time/manual-clock.js'
import { HealthBoard, type HealthPlan, type UpstreamStateChange } from './health-board.js'
import type { HealthSync } from './health-sync.js'
import type { UpstreamHealthRecord } from './upstream-health-record.js'

const config = parseConfigText(
  `
health: { failures_to_open: 2, cooldown: 10 }
upstreams:
  - { name: a, endpoint: "http://127.0.0.1:1/v1" }
  - { name: b, endpoint: "http://127.0.0.1:2/v1" }
  - { name: c, endpoint: "http://127.0.0.1:3/v1", health: { enabled: false } }
`,
  'test.yaml',
  {},
).config
const [a, b, c] = config.upstreams as [(typeof config.upstreams)[0], (typeof config.upstreams)[0], (typeof config.upstreams)[0]]

class MemorySync implements HealthSync {
  readonly published: UpstreamHealthRecord[] = []
  listener: ((record: UpstreamHealthRecord) => void) | undefined
  publish(record: UpstreamHealthRecord): void {
    this.published.push(record)
  }
  onRemote(listener: (record: UpstreamHealthRecord) => void): void {
    this.listener = listener
  }
  snapshot(): Promise<readonly UpstreamHealthRecord[]> {
    return Promise.resolve([])
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

function board(): { board: HealthBoard; clock: ManualClock; sync: MemorySync; changes: string[] } {
  const clock = new ManualClock()
  const sync = new MemorySync()
  const health = new HealthBoard(config.upstreams, { clock, sync, origin: 'here' })
  const changes: string[] = []
  health.onChange((change: UpstreamStateChange) =>
    changes.push(`${change.upstream} ${change.from}>${change.to}${change.local ? '' : ' remote'}`),
  )
  return { board: health, clock, sync, changes }
}

const names = (plan: HealthPlan): string[] | string =>
  plan.kind === 'attempts' ? [...plan.attempts.map((u) => u.name), '|', ...plan.skipped.map((u) => u.name)] : plan.kind
const failed = { kind: 'failed', retryAfterMs: undefined, detail: 'upstream_status, HTTP 503' } as const

test('reports open a breaker; the next plans put it last; the change is published once', () => {
  const { board: health, sync, changes } = board()
  const plan = health.plan([a, b, c])
  assert.equal(plan.kind, 'attempts')
  if (plan.kind !== 'attempts') return
  plan.health.attemptEnded(a, failed)
  plan.health.attemptEnded(a, failed)
  assert.deepEqual(names(health.plan([a, b, c])), ['b', 'c', 'a', '|', 'a'])
  assert.deepEqual(changes, ['a closed>open'])
  assert.deepEqual(
    sync.published.map((r) => [r.upstream, r.state, r.openUntil - r.changedAt, r.rateLimited, r.origin]),
    [['a', 'open', 10_000, false, 'here']],
  )
  assert.deepEqual(health.states(), [
    { upstream: 'a', state: 'open' },
    { upstream: 'b', state: 'closed' },
    { upstream: 'c', state: 'closed' },
  ])
})

test('an upstream with health disabled is never moved, whatever fails', () => {
  const { board: health } = board()
  for (let i = 0; i < 10; i++) health.report(c, failed, false)
  assert.deepEqual(names(health.plan([c, a])), ['c', 'a', '|'])
})

test('half-open: the first plan takes the probe, the others put the upstream last; an unused probe is given back', () => {
  const { board: health, clock, changes } = board()
  health.report(a, failed, false)
  health.report(a, failed, false)
  clock.advance(10_000)
  const first = health.plan([a, b])
  const second = health.plan([a, b])
  assert.deepEqual(
    [names(first), names(second)],
    [
      ['a', 'b', '|'],
      ['b', 'a', '|', 'a'],
    ],
  )
  assert.deepEqual(changes, ['a closed>open', 'a open>half_open'])
  if (first.kind !== 'attempts' || second.kind !== 'attempts') return
  // The second request tried a as its last resort while the probe was out: its failure decides nothing.
  second.health.attemptEnded(a, failed)
  assert.deepEqual(health.states()[0], { upstream: 'a', state: 'half_open' })
  first.health.finished()
  assert.deepEqual(names(health.plan([a, b])), ['a', 'b', '|'], 'the probe is free again')
})

test('the probe succeeding closes the breaker; failing reopens it for twice the cooldown', () => {
  const { board: health, clock, changes } = board()
  health.report(a, failed, false)
  health.report(a, failed, false)
  clock.advance(10_000)
  const probe = health.plan([a, b])
  if (probe.kind !== 'attempts') return assert.fail('no plan')
  probe.health.attemptEnded(a, failed)
  assert.equal(health.retryAfterMs([a, b]), 20_000)
  clock.advance(20_000)
  const again = health.plan([a, b])
  if (again.kind !== 'attempts') return assert.fail('no plan')
  again.health.attemptEnded(a, { kind: 'succeeded' })
  assert.deepEqual(changes, ['a closed>open', 'a open>half_open', 'a half_open>open', 'a open>half_open', 'a half_open>closed'])
})

test('every candidate open on a back-off signal: the plan is a refusal with the soonest end', () => {
  const { board: health, clock } = board()
  health.report(a, { kind: 'failed', retryAfterMs: 30_000, detail: 'upstream_status, HTTP 429' }, false)
  health.report(b, { kind: 'failed', retryAfterMs: 12_000, detail: 'upstream_status, HTTP 429' }, false)
  clock.advance(2000)
  assert.deepEqual(health.plan([a, b]), { kind: 'rate_limited', retryAfterMs: 10_000 })
  assert.deepEqual(names(health.plan([a, b, c])), ['c', 'b', 'a', '|', 'b', 'a'], 'a closed candidate is still tried')
})

test('records from elsewhere: newer ones apply, echoes and older ones do not, an open state is never shortened', () => {
  const { board: health, clock, sync, changes } = board()
  const wall = clock.wallNow()
  const record = (fields: Partial<UpstreamHealthRecord>): UpstreamHealthRecord => ({
    upstream: 'a',
    state: 'open',
    openUntil: wall + 60_000,
    cooldownMs: 10_000,
    rateLimited: false,
    changedAt: wall,
    origin: 'there',
    ...fields,
  })
  sync.listener?.(record({ origin: 'here' }))
  assert.deepEqual(changes, [])
  sync.listener?.(record({}))
  assert.deepEqual(changes, ['a closed>open remote'])
  assert.equal(health.retryAfterMs([a]), 60_000)
  sync.listener?.(record({ changedAt: wall + 1, openUntil: wall + 5000 }))
  assert.equal(health.retryAfterMs([a]), 60_000, 'an earlier end does not shorten it')
  sync.listener?.(record({ changedAt: wall - 1, state: 'closed', openUntil: 0 }))
  assert.equal(health.retryAfterMs([a]), 60_000, 'an older record is ignored')
  sync.listener?.(record({ changedAt: wall + 2, state: 'closed', openUntil: 0 }))
  assert.deepEqual(changes, ['a closed>open remote', 'a open>closed remote'])
  assert.equal(sync.published.length, 0, 'applied records are not published again')
})

test('a probe that found the upstream up makes it half-open here and in the record it publishes; not under a back-off', () => {
  const { board: health, sync, changes } = board()
  assert.equal(health.probeable(a), false, 'closed: nothing to probe')
  health.report(a, failed, false)
  health.report(a, failed, false)
  assert.equal(health.probeable(a), true)
  health.probeSucceeded(a)
  assert.deepEqual(changes, ['a closed>open', 'a open>half_open'])
  const last = sync.published.at(-1)
  assert.deepEqual([last?.state, last?.openUntil], ['half_open', last?.changedAt])
  assert.equal(health.probeable(a), false)

  health.report(b, { kind: 'failed', retryAfterMs: 60_000, detail: 'upstream_status, HTTP 429' }, false)
  assert.equal(health.probeable(b), false, 'a back-off the upstream asked for is waited out')
  health.probeSucceeded(b)
  assert.equal(health.states()[1]?.state, 'open')
})

test('a half-open record from elsewhere ends an open state early, unless a back-off is in force here', () => {
  const { board: health, clock, sync, changes } = board()
  health.report(a, failed, false)
  health.report(a, failed, false)
  health.report(b, { kind: 'failed', retryAfterMs: 60_000, detail: 'upstream_status, HTTP 429' }, false)
  const wall = clock.wallNow()
  const halfOpen = (upstream: string): UpstreamHealthRecord => ({
    upstream,
    state: 'half_open',
    openUntil: wall + 1,
    cooldownMs: 10_000,
    rateLimited: false,
    changedAt: wall + 1,
    origin: 'primary',
  })
  sync.listener?.(halfOpen('a'))
  sync.listener?.(halfOpen('b'))
  assert.deepEqual(changes, ['a closed>open', 'b closed>open', 'a open>half_open remote'])
  assert.deepEqual(names(health.plan([a, b])), ['a', 'b', '|', 'b'])
})

test('two changes in one millisecond go out with increasing changedAt, so both are news elsewhere', () => {
  const { board: health, clock, sync } = board()
  health.report(a, failed, false)
  health.report(a, failed, false)
  health.report(a, { kind: 'succeeded' }, false)
  assert.deepEqual(
    sync.published.map((r) => [r.state, r.changedAt - clock.wallNow()]),
    [
      ['open', 0],
      ['closed', 1],
    ],
  )
})

test('a reload keeps the breakers of upstreams whose name stays (with new settings), drops removed ones, adds new ones', () => {
  const { board: health } = board()
  const plan = health.plan([a, b])
  if (plan.kind !== 'attempts') return assert.fail('a plan')
  plan.health.attemptEnded(a, failed)
  plan.health.attemptEnded(a, failed)
  const reloaded = parseConfigText(
    `
health: { failures_to_open: 5, cooldown: 30 }
upstreams:
  - { name: d, endpoint: "http://127.0.0.1:4/v1" }
  - { name: a, endpoint: "http://127.0.0.1:9/v1" }
`,
    'test.yaml',
    {},
  ).config
  health.retain(reloaded.upstreams)
  assert.deepEqual(health.states(), [
    { upstream: 'a', state: 'open' },
    { upstream: 'd', state: 'closed' },
  ])
  const [d, a2] = reloaded.upstreams as [typeof a, typeof a]
  assert.deepEqual(names(health.plan([a2, d])), ['d', 'a', '|', 'a'])
})
