// Upstream health shared end to end by real gateways: a breaker opened through one gateway is respected by another
// sharing its Redis, and by every worker of a `--workers 2` gateway; Redis stopped and started again under load costs
// no client request.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { completion, json, openaiError, startFakeUpstream, type Behaviour, type FakeUpstream } from './helpers/fake-upstream.js'
import { processDeadlineMs, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { freePort, ownRedis, randomPrefix, redisSkipReason, removePrefix, sharedRedisUrl } from './helpers/redis-service.js'

const redisSkip = await redisSkipReason()
const failuresToOpen = 3

interface Upstreams {
  readonly failing: FakeUpstream
  readonly healthy: FakeUpstream
}

async function upstreams(t: TestContext, failingBehaviour: Behaviour = openaiError(503, 'down')): Promise<Upstreams> {
  const failing = await startFakeUpstream(failingBehaviour)
  const healthy = await startFakeUpstream(json(200, completion('from healthy')))
  t.after(() => Promise.all([failing.close(), healthy.close()]))
  return { failing, healthy }
}

/**
 * A config directory for gateways that try `failing` first (unless `healthyFirst`), with a long cooldown (the breaker
 * stays open for the test).
 */
function configDir(t: TestContext, ups: Upstreams, extra = '', healthyFirst = false): string {
  const failing = `  - { name: failing, endpoint: "${ups.failing.endpoint}", noauth: true }`
  const healthy = `  - { name: healthy, endpoint: "${ups.healthy.endpoint}", noauth: true }`
  const dir = mkdtempSync(join(tmpdir(), 'oar-health-shared-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      'address: "127.0.0.1:0"',
      'dbtype: none',
      `health: { failures_to_open: ${failuresToOpen}, cooldown: 300 }`,
      extra,
      'upstreams:',
      ...(healthyFirst ? [healthy, failing] : [failing, healthy]),
      '',
    ].join('\n'),
  )
  return dir
}

/** One chat request on a connection of its own (so the kernel may hand it to any worker); its status. */
async function ask(gw: GatewayProcess): Promise<number> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(processDeadlineMs),
  })
  await res.arrayBuffer()
  return res.status
}

/** The `failing` upstream's state gauge per state; with workers, each is the max over them (1 if any worker is in it). */
async function failingStates(gw: GatewayProcess): Promise<Record<string, number>> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(processDeadlineMs) })
  const samples = parseSamples(await res.text())
  const of = (state: string): number => sumOf(samples, 'openai_api_route_upstream_state', { upstream: 'failing', state })
  return { closed: of('closed'), open: of('open'), half_open: of('half_open') }
}

/** Polls the gateway until `holds` is true of its `failing` states, with a deadline. */
async function untilStates(gw: GatewayProcess, holds: (states: Record<string, number>) => boolean, what: string): Promise<void> {
  const until = performance.now() + processDeadlineMs
  while (!holds(await failingStates(gw))) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`)
  }
}

/** Every process of the gateway holds `failing` open (the gauge is merged with max: closed is 0 only when none is closed). */
const openEverywhere = (states: Record<string, number>): boolean =>
  states['open'] === 1 && states['closed'] === 0 && states['half_open'] === 0

describe('upstream health shared by real gateways', () => {
  test('a breaker opened through one gateway is respected by another sharing its Redis', { skip: redisSkip }, async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const ups = await upstreams(t)
    const dir = configDir(t, ups, `redis: { url: "${sharedRedisUrl}", prefix: "${prefix}" }`)
    const a = await startGatewayProcess(t, [], dir)
    const b = await startGatewayProcess(t, [], dir)

    for (let i = 0; i < failuresToOpen; i++) assert.equal(await ask(a), 200)
    assert.equal(ups.failing.requests.length, failuresToOpen)
    await untilStates(a, openEverywhere, 'the breaker to open in gateway A')
    await untilStates(b, openEverywhere, 'gateway B to hear that the breaker opened')

    const answered = ups.healthy.requests.length
    for (let i = 0; i < 10; i++) assert.equal(await ask(b), 200)
    assert.equal(ups.failing.requests.length, failuresToOpen, 'no attempt through gateway B reached the open upstream')
    assert.equal(ups.healthy.requests.length, answered + 10)
    assert.equal(await a.stop(), 0)
    assert.equal(await b.stop(), 0)
  })

  test('with --workers 2, a breaker opened in one worker is respected by both', async (t) => {
    const ups = await upstreams(t)
    const gw = await startGatewayProcess(t, ['--workers', '2'], configDir(t, ups))
    // Each request on its own connection, which the primary hands to the workers in turn (cluster round-robin): failures
    // land on either worker until one of them has seen enough in a row.
    const until = performance.now() + processDeadlineMs
    while ((await failingStates(gw))['open'] !== 1) {
      if (performance.now() > until) throw new Error('timed out waiting for the breaker to open in a worker')
      assert.equal(await ask(gw), 200)
    }
    await untilStates(gw, openEverywhere, 'every worker to hold the breaker open')

    const reached = ups.failing.requests.length
    assert.ok(reached >= failuresToOpen)
    for (let i = 0; i < 20; i++) assert.equal(await ask(gw), 200)
    assert.equal(ups.failing.requests.length, reached, 'no worker sent an attempt to the open upstream')
    assert.equal(await gw.stop(), 0)
  })

  test(
    'Redis stopped and started again under load: every request is answered, and what was learned meanwhile is shared',
    { skip: redisSkip },
    async (t) => {
      const redis = ownRedis(await freePort())
      t.after(() => redis.stop())
      await redis.start()
      let down = false
      const ups = await upstreams(t, (req, res) => (down ? openaiError(503, 'down') : json(200, completion('from failing')))(req, res))
      const shared = `redis: { url: "${redis.url}", prefix: "${randomPrefix()}" }`
      // A tries `failing` first; B's traffic never reaches it, so B can only learn its state through Redis.
      const a = await startGatewayProcess(t, [], configDir(t, ups, shared))
      const b = await startGatewayProcess(t, ['--workers', '2'], configDir(t, ups, shared, true))

      const statuses: number[] = []
      let loading = true
      const load = async (gw: GatewayProcess): Promise<void> => {
        while (loading) statuses.push(await ask(gw))
      }
      const loads = [load(a), load(a), load(b), load(b)]
      const sent = (): number => statuses.length
      const afterMore = async (count: number): Promise<void> => {
        const target = sent() + count
        const until = performance.now() + processDeadlineMs
        while (sent() < target) {
          if (performance.now() > until) throw new Error(`timed out waiting for ${count} more answers`)
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      try {
        await afterMore(20)
        await redis.stop()
        await Promise.all([a.stderrLine(/Redis is unreachable/), b.stderrLine(/Redis is unreachable/)])
        down = true
        await untilStates(a, openEverywhere, 'the breaker to open in gateway A while Redis is down')
        await afterMore(20)
        assert.deepEqual(await failingStates(b), { closed: 1, open: 0, half_open: 0 }, 'B cannot know yet')
        await redis.start()
        await Promise.all([a.stderrLine(/Redis is reachable again/), b.stderrLine(/Redis is reachable again/)])
        await untilStates(b, openEverywhere, 'gateway B to catch up with the breaker opened while Redis was down')
        await afterMore(20)
      } finally {
        loading = false
        await Promise.all(loads)
      }
      assert.deepEqual(
        statuses.filter((status) => status !== 200),
        [],
      )
      assert.equal(await a.stop(), 0)
      assert.equal(await b.stop(), 0)
    },
  )
})
