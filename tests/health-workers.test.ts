// Upstream health across the processes of real gateways: with `--workers 2` a change made in one worker reaches the
// other (and a worker that replaces one starts with it); with `redis`, it reaches the workers of another gateway.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { procAvailable } from './helpers/child-pids.js'
import { completion, json, startFakeUpstream } from './helpers/fake-upstream.js'
import { childEnv, processDeadlineMs, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js'
import { healthLines, type HealthLine } from './helpers/health-in-workers.js'
import { freePort, randomPrefix, redisSkipReason, removePrefix, sharedRedisUrl } from './helpers/redis-service.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { eventually } from './helpers/recording-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const redisSkip = await redisSkipReason()
const preload = new URL('./helpers/health-in-workers.js', import.meta.url).href

/** A gateway of a primary and two workers that print the health they hear; resolves once both workers have started. */
async function twoWorkers(t: TestContext, extraConfig = ''): Promise<GatewayProcess> {
  return gatewayOf(t, 2, extraConfig)
}

async function gatewayOf(t: TestContext, workers: number, extraConfig: string): Promise<GatewayProcess> {
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  t.after(() => upstream.close())
  const dir = mkdtempSync(join(tmpdir(), 'oar-health-workers-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:0"\ndbtype: none\n${extraConfig}upstreams:\n  - { name: primary, endpoint: "${upstream.endpoint}", noauth: true }\n`,
  )
  const gw = await startGatewayProcess(t, ['--workers', String(workers)], dir, childEnv({ NODE_OPTIONS: `--import=${preload}` }))
  if (workers > 1) await waitFor(() => workerPids(gw).length === workers, 'the workers to start', processDeadlineMs)
  return gw
}

const lines = (gw: GatewayProcess): HealthLine[] => healthLines(gw.stdout())
const workerPids = (gw: GatewayProcess): number[] => lines(gw).flatMap((l) => (l.event === 'snapshot' ? [l.pid] : []))
const heardBy = (gw: GatewayProcess, pid: number, origin: string): boolean =>
  lines(gw).some((l) => l.pid === pid && l.event === 'heard' && l.record.origin === origin)

describe('upstream health across workers', { skip: procAvailable ? false : 'needs /proc (Linux)' }, () => {
  test('a change in one worker reaches the other, not itself; a worker that replaces one starts with it', async (t) => {
    const gw = await twoWorkers(t)
    const [first, second] = workerPids(gw) as [number, number]
    process.kill(first, 'SIGUSR2')
    const origin = `${first}:1`
    await waitFor(() => heardBy(gw, second, origin), 'the other worker to hear the change', processDeadlineMs)
    assert.equal(heardBy(gw, first, origin), false)

    process.kill(second, 'SIGKILL')
    await waitFor(() => workerPids(gw).length === 3, 'a worker to replace the killed one', processDeadlineMs)
    const replacement = workerPids(gw)[2] as number
    await waitFor(
      () => lines(gw).some((l) => l.pid === replacement && l.event === 'snapshot' && l.records.some((r) => r.origin === origin)),
      'the new worker to start with the change',
      processDeadlineMs,
    )
  })

  test('with redis, a change in a worker of one gateway reaches the workers of another', { skip: redisSkip }, async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const redis = `redis: { url: "${sharedRedisUrl}", prefix: "${prefix}" }\n`
    const a = await twoWorkers(t, redis)
    const b = await twoWorkers(t, redis)
    const [sender, sibling] = workerPids(a) as [number, number]
    process.kill(sender, 'SIGUSR2')
    const origin = `${sender}:1`
    await waitFor(() => heardBy(a, sibling, origin), 'the sibling worker to hear the change', processDeadlineMs)
    for (const pid of workerPids(b)) await waitFor(() => heardBy(b, pid, origin), `worker ${pid} of the other gateway to hear it`)
    assert.equal(heardBy(a, sender, origin), false)
    assert.equal(await a.stop(), 0)
  })

  for (const workers of [1, 2])
    test(`with redis unreachable, the gateway (${workers} process${workers === 1 ? '' : 'es'}) serves, says so once, counts the errors, and stops cleanly`, async (t) => {
      const port = await freePort()
      const gw = await gatewayOf(t, workers, `redis: { url: "redis://127.0.0.1:${port}/0" }\n`)
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        })
        assert.equal(res.status, 200)
        await res.arrayBuffer()
      }
      const errors = async (): Promise<number> =>
        sumOf(parseSamples(await (await fetch(`${gw.url}/metrics`)).text()), 'openai_api_route_redis_errors_total')
      await eventually(async () => (await errors()) > 1, 'the failed connection attempts are counted')
      assert.equal(
        gw
          .stderr()
          .split('\n')
          .filter((line) => line.includes('Redis is unreachable')).length,
        1,
      )
      assert.equal(await gw.stop(), 0)
    })
})
