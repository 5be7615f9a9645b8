// LatencyTracker: a decaying average of time to first byte per upstream, on a ManualClock.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../time/manual-clock.js'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { LatencyTracker } from './latency-tracker.js'
import { orderByPolicy } from './order-by-policy.js'

const close = (actual: number | undefined, expected: number): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`)
}

test('the first sample is the estimate; later ones move it by alpha', () => {
  const clock = new ManualClock()
  const tracker = new LatencyTracker({ clock, alpha: 0.5 })
  assert.equal(tracker.estimateMs('a'), undefined)
  tracker.record('a', { kind: 'answered', firstByteMs: 100 })
  close(tracker.estimateMs('a'), 100)
  tracker.record('a', { kind: 'answered', firstByteMs: 300 })
  close(tracker.estimateMs('a'), 200)
  assert.equal(tracker.estimateMs('b'), undefined)
})

test('a failure counts as twice the longer of its duration and the estimate', () => {
  const clock = new ManualClock()
  const tracker = new LatencyTracker({ clock, alpha: 0.5 })
  tracker.record('a', { kind: 'answered', firstByteMs: 100 })
  // A refusal after 1 ms does not make the upstream look fast: 0.5 × 200 + 0.5 × 100.
  tracker.record('a', { kind: 'failed', durationMs: 1 })
  close(tracker.estimateMs('a'), 150)
  tracker.record('b', { kind: 'failed', durationMs: 5000 })
  close(tracker.estimateMs('b'), 10_000)
})

test('without samples an estimate halves every half-life, and a new sample starts from the decayed one', () => {
  const clock = new ManualClock()
  const tracker = new LatencyTracker({ clock, alpha: 0.5, halfLifeMs: 10_000 })
  tracker.record('a', { kind: 'answered', firstByteMs: 800 })
  clock.advance(10_000)
  close(tracker.estimateMs('a'), 400)
  clock.advance(20_000)
  close(tracker.estimateMs('a'), 100)
  tracker.record('a', { kind: 'answered', firstByteMs: 50 })
  close(tracker.estimateMs('a'), 75)
})

test('with lb_policy latency, traffic goes to the faster upstream, and a recovered one is measured again and preferred', () => {
  const clock = new ManualClock()
  const tracker = new LatencyTracker({ clock })
  const candidates = [{ name: 'primary' }, { name: 'backup' }] as unknown as UpstreamConfig[]
  // What each upstream takes to answer now; the relay reports it after each attempt.
  const firstByteMs: Record<string, number> = { primary: 2000, backup: 100 }
  const serve = (): string => {
    const first = orderByPolicy(
      candidates,
      'latency',
      () => 0,
      (u) => tracker.estimateMs(u.name),
    )[0] as UpstreamConfig
    tracker.record(first.name, { kind: 'answered', firstByteMs: firstByteMs[first.name] as number })
    clock.advance(1000)
    return first.name
  }
  // Neither is measured: config order, then the unmeasured backup, then the faster one.
  assert.deepEqual([serve(), serve(), serve(), serve()], ['primary', 'backup', 'backup', 'backup'])
  const slowPhase = Array.from({ length: 300 }, serve)
  // The slow primary is tried again only when its estimate has decayed below the backup's: a few times in five
  // minutes (after ~130 s, then every ~80 s), not once per request.
  const primaryTries = slowPhase.filter((name) => name === 'primary').length
  assert.ok(primaryTries >= 1 && primaryTries <= 4, `primary tried ${primaryTries} times in 300 s`)
  firstByteMs.primary = 40
  const recovered = Array.from({ length: 240 }, serve)
  const back = recovered.indexOf('primary')
  assert.ok(back !== -1, 'the recovered primary was never measured again')
  // Once measured at its new speed it keeps the traffic; the backup, in turn, is measured again now and then.
  const after = recovered.slice(back)
  const backupTries = after.filter((name) => name === 'backup').length
  assert.ok(backupTries >= 1 && backupTries <= after.length / 10, `backup tried ${backupTries} times in ${after.length}`)
})
