// Two gateways' Redis health syncs, as two replicas would run them: each sees the other's changes and never its own,
// one that was away catches up from the hash, and a Redis that stops and comes back costs nothing but a log line each
// way and counted errors, with the changes made meanwhile delivered once it is back.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createLogger } from '../src/log/logger.js'
import type { HealthSync } from '../src/state/health-sync.js'
import { startRedisHealthSync } from '../src/state/redis-health-sync.js'
import type { UpstreamHealthRecord } from '../src/state/upstream-health-record.js'
import { freePort, ownRedis, randomPrefix, readHash, redisSkipReason, removePrefix, sharedRedisUrl } from './helpers/redis-service.js'
import { eventually } from './helpers/recording-gateway.js'
import { waitFor } from './helpers/wait-for.js'

function record(upstream: string, changedAt: number, origin: string): UpstreamHealthRecord {
  return { upstream, state: 'open', openUntil: changedAt + 30_000, cooldownMs: 30_000, rateLimited: false, changedAt, origin }
}

interface Replica {
  readonly sync: HealthSync
  /** Records heard from elsewhere, in order. */
  readonly heard: UpstreamHealthRecord[]
  readonly logLines: string[]
  errors(): number
}

function replica(url: string, prefix: string): Replica {
  const heard: UpstreamHealthRecord[] = []
  const logLines: string[] = []
  let errors = 0
  const logger = createLogger({ level: 'info', write: (line) => logLines.push(line) })
  const sync = startRedisHealthSync({ url, prefix, logger, onError: () => errors++, maxReconnectDelayMs: 100 })
  sync.onRemote((r) => heard.push(r))
  return { sync, heard, logLines, errors: () => errors }
}

const heardFrom = (r: Replica, origin: string): UpstreamHealthRecord[] => r.heard.filter((h) => h.origin === origin)
const linesMatching = (r: Replica, pattern: RegExp): number => r.logLines.filter((line) => pattern.test(line)).length

describe('upstream health shared through Redis', { skip: await redisSkipReason() }, () => {
  test('two replicas see each other’s changes, never their own, and the hash holds the latest', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const a = replica(sharedRedisUrl, prefix)
    const b = replica(sharedRedisUrl, prefix)
    t.after(() => Promise.all([a.sync.close(), b.sync.close()]))
    const now = Date.now()

    a.sync.publish(record('primary', now, 'a'))
    await waitFor(() => heardFrom(b, 'a').length === 1, 'b to hear a’s change')
    // Messages on one channel arrive in order: once a hears b's, a has had its own echo and let it go.
    b.sync.publish(record('fallback', now + 1, 'b'))
    await waitFor(() => heardFrom(a, 'b').length === 1, 'a to hear b’s change')
    assert.deepEqual(a.heard, [record('fallback', now + 1, 'b')])
    assert.deepEqual(b.heard, [record('primary', now, 'a')])

    const held = await readHash(`${prefix}health`)
    assert.deepEqual(Object.keys(held).sort(), ['fallback', 'primary'])
    assert.deepEqual(JSON.parse(held['primary'] ?? ''), record('primary', now, 'a'))
  })

  test('a replica that was away catches up from the hash, and an older change never replaces a newer one', async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const a = replica(sharedRedisUrl, prefix)
    t.after(() => a.sync.close())
    const now = Date.now()
    const newer = record('primary', now, 'a')
    a.sync.publish(newer)
    a.sync.publish(record('fallback', now, 'a'))
    await eventually(async () => Object.keys(await readHash(`${prefix}health`)).length === 2, 'both records are in the hash')

    const late = replica(sharedRedisUrl, prefix)
    t.after(() => late.sync.close())
    await waitFor(() => late.heard.length === 2, 'the late replica to catch up')
    assert.deepEqual((await late.sync.snapshot()).map((r) => r.upstream).sort(), ['fallback', 'primary'])

    // A change from before, arriving late (a replica cut off for a while), loses to the one in the hash.
    late.sync.publish(record('primary', now - 1_000, 'late'))
    late.sync.publish(record('fallback', now + 1, 'late'))
    await waitFor(() => heardFrom(a, 'late').length === 1, 'a to hear the late replica’s newer change')
    assert.deepEqual(heardFrom(a, 'late'), [record('fallback', now + 1, 'late')])
    assert.deepEqual(JSON.parse((await readHash(`${prefix}health`))['primary'] ?? ''), newer)
  })
})

describe('a Redis that stops and comes back', { skip: await redisSkipReason() }, () => {
  test('publish() neither throws nor waits, errors are counted, one line per outage, and changes meanwhile arrive after', async (t) => {
    const own = ownRedis(await freePort())
    t.after(() => own.stop())
    await own.start()
    const prefix = randomPrefix()
    const a = replica(own.url, prefix)
    const b = replica(own.url, prefix)
    t.after(() => Promise.all([a.sync.close(), b.sync.close()]))
    const now = Date.now()
    a.sync.publish(record('primary', now, 'a'))
    await waitFor(() => heardFrom(b, 'a').length === 1, 'b to hear a while Redis is up')

    await own.stop()
    await waitFor(() => a.errors() > 0 && b.errors() > 0, 'both to count the lost connection')
    // Made while Redis is away: only the latest per upstream is kept for it.
    assert.equal(a.sync.publish(record('primary', now + 1, 'a')), undefined)
    assert.equal(a.sync.publish(record('primary', now + 2, 'a')), undefined)
    b.sync.publish(record('fallback', now + 3, 'b'))
    const errorsDuring = a.errors()
    await waitFor(() => a.errors() > errorsDuring + 1, 'the reconnection attempts to be counted')

    await own.start()
    await waitFor(() => heardFrom(b, 'a').length === 2, 'b to get a’s change from the outage')
    await waitFor(() => heardFrom(a, 'b').length === 1, 'a to get b’s change from the outage')
    assert.deepEqual(heardFrom(b, 'a'), [record('primary', now, 'a'), record('primary', now + 2, 'a')])
    assert.deepEqual(heardFrom(a, 'b'), [record('fallback', now + 3, 'b')])
    await waitFor(() => linesMatching(a, /reachable again/) === 1, 'a to log that Redis is back')
    assert.equal(linesMatching(a, /Redis is unreachable/), 1)
    assert.equal(linesMatching(b, /Redis is unreachable/), 1)

    // After the outage the replicas talk live again (the subscription came back by itself).
    b.sync.publish(record('primary', now + 4, 'b'))
    await waitFor(() => heardFrom(a, 'b').length === 2, 'a to hear b live after the outage')

    // A second outage is a second line, no more.
    await own.stop()
    await waitFor(() => linesMatching(a, /Redis is unreachable/) === 2, 'a to log the second outage')
    const errorsNow = a.errors()
    await waitFor(() => a.errors() > errorsNow + 1, 'more reconnection attempts')
    assert.equal(linesMatching(a, /Redis is unreachable/), 2)
  })
})
