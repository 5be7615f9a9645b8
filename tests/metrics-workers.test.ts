// /metrics of `--workers 2` as workers are killed and replaced: merged counters never fall, and every scrape
// is one Prometheus accepts (promtool, no series twice).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { childPids, procAvailable } from './helpers/child-pids.js'
import { expositionProblems } from './helpers/exposition-problems.js'
import { completion, json, startFakeUpstream } from './helpers/fake-upstream.js'
import { processDeadlineMs, startGatewayProcess, within, type GatewayProcess } from './helpers/gateway-process.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { promtoolCheckMetrics, promtoolSkipReason } from './helpers/promtool.js'
import { waitFor } from './helpers/wait-for.js'

const requestsTotal = 'openai_api_route_requests_total'

/** A scrape on a connection of its own (so the kernel may hand it to any worker); retried while nothing listens. */
async function scrape(gw: GatewayProcess): Promise<string> {
  const until = Date.now() + processDeadlineMs
  for (;;) {
    try {
      return await (
        await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(processDeadlineMs) })
      ).text()
    } catch (error) {
      if (Date.now() > until) throw error
    }
  }
}

async function ask(gw: GatewayProcess, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(processDeadlineMs),
    })
    assert.equal(res.status, 200)
    await res.arrayBuffer()
  }
}

/** Scrapes until the total reaches `count` (outcomes are observed once their tokens are counted, after the response). */
async function totalReaches(gw: GatewayProcess, count: number): Promise<number> {
  const until = Date.now() + processDeadlineMs
  let total = -1
  while (total < count && Date.now() < until) total = sumOf(parseSamples(await scrape(gw)), requestsTotal)
  return total
}

const skip = !procAvailable ? 'needs /proc (Linux) to find the workers' : false

/** A gateway of a primary and two workers in front of one fake upstream, and the pids of those two workers. */
async function twoWorkers(t: TestContext): Promise<{ gw: GatewayProcess; originals: number[] }> {
  const upstream = await startFakeUpstream(json(200, completion('ok')))
  t.after(() => upstream.close())
  const dir = mkdtempSync(join(tmpdir(), 'oar-workers-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:0"\ndbtype: none\nupstreams:\n  - { endpoint: "${upstream.endpoint}", noauth: true }\n`,
  )
  const gw = await startGatewayProcess(t, ['--workers', '2'], dir)
  const originals = childPids(gw.child.pid as number)
  assert.equal(originals.length, 2)
  return { gw, originals }
}

/**
 * SIGKILL: the worker cannot say goodbye. node:cluster may still hand a new connection to a worker that died
 * a moment ago (it then hangs), so this returns once the primary has seen the death, as a later scrape would.
 */
async function killWorker(gw: GatewayProcess, pid: number, nth: number): Promise<void> {
  process.kill(pid, 'SIGKILL')
  const exits = (): number =>
    gw
      .stderr()
      .split('\n')
      .filter((line) => line.includes('a worker exited; starting another')).length
  await waitFor(() => exits() >= nth, `the primary seeing worker ${pid} die`, processDeadlineMs)
}

test(
  'with --workers 2, a scrape after a worker was killed passes promtool check metrics, with no series twice',
  { skip: skip || promtoolSkipReason() },
  async (t) => {
    const { gw, originals } = await twoWorkers(t)
    await ask(gw, 4)
    assert.equal(await totalReaches(gw, 4), 4)
    await killWorker(gw, originals[0] as number, 1)
    const text = await scrape(gw)
    assert.deepEqual(expositionProblems(text), [])
    const checked = await promtoolCheckMetrics(text)
    assert.equal(checked.code, 0, checked.output)
    // Each live process's facts are apart under its worker label; the resource type keeps its own label.
    const resources = parseSamples(text).filter((sample) => sample.name === 'nodejs_active_resources')
    assert.ok(
      resources.length > 0 && resources.every((sample) => sample.labels['type'] !== undefined && sample.labels['worker'] !== undefined),
    )
  },
)

test('with --workers 2, the merged request count never falls as workers are killed and replaced', { skip }, async (t) => {
  const { gw, originals } = await twoWorkers(t)
  await ask(gw, 6)
  const totals = [await totalReaches(gw, 6)]
  assert.equal(totals[0], 6)

  await killWorker(gw, originals[0] as number, 1)
  totals.push(sumOf(parseSamples(await scrape(gw)), requestsTotal))
  await within(gw.stderrLine(/a new worker is listening.*"worker":3\b/), processDeadlineMs, 'the replacement of the first worker')
  totals.push(sumOf(parseSamples(await scrape(gw)), requestsTotal))

  // The other original goes too: none of the workers that served the 6 requests is left.
  await killWorker(gw, originals[1] as number, 2)
  await within(gw.stderrLine(/a new worker is listening.*"worker":4\b/), processDeadlineMs, 'the replacement of the second worker')
  totals.push(sumOf(parseSamples(await scrape(gw)), requestsTotal))
  assert.ok(childPids(gw.child.pid as number).every((pid) => !originals.includes(pid)))

  await ask(gw, 2)
  totals.push(await totalReaches(gw, 8))
  assert.deepEqual(totals, [6, 6, 6, 6, 8], 'the total never falls, and counts on from where it was')
  assert.equal(await gw.stop(), 0)
})

const count = (gw: GatewayProcess, text: string): number =>
  gw
    .stderr()
    .split('\n')
    .filter((line) => line.includes(text)).length

test('with --workers 2, workers stopped with SIGTERM hand over their counts as they leave, even unscraped', { skip }, async (t) => {
  const { gw, originals } = await twoWorkers(t)
  await ask(gw, 4)
  // No scrape before they go: the primary knows their counts only from what they send as they leave.
  // One at a time, so the listening socket stays open (its port is 0 in the config).
  for (const [i, pid] of originals.entries()) {
    process.kill(pid, 'SIGTERM')
    await waitFor(() => count(gw, 'a new worker is listening') > i, `the replacement of worker ${pid}`, processDeadlineMs)
  }
  assert.equal(sumOf(parseSamples(await scrape(gw)), requestsTotal), 4)
})

test('with --workers 2, when every worker dies at once the primary stays up and replaces them', { skip }, async (t) => {
  const { gw, originals } = await twoWorkers(t)
  for (const pid of originals) process.kill(pid, 'SIGKILL')
  await waitFor(
    () => count(gw, 'a new worker is listening') >= 2 || gw.child.exitCode !== null,
    'two new workers, or the end of the primary',
    processDeadlineMs,
  )
  assert.equal(gw.child.exitCode, null, `the primary is still running:\n${gw.stderr()}`)
  assert.equal(childPids(gw.child.pid as number).length, 2)
})
