// Limits that hold across processes: two gateways sharing Redis, the workers of one gateway without Redis, a gateway
// killed while it holds concurrency slots, Redis stopped under load (on_store_error allow and deny), and a budget
// that survives a restart through the records.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { completion, json, type Behaviour, type FakeUpstream, type ReceivedRequest } from './helpers/fake-upstream.js'
import { processDeadlineMs, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { freePort, ownRedis, randomPrefix, redisSkipReason, removePrefix, sharedRedisUrl } from './helpers/redis-service.js'
import { deferred, fakeUpstreamFor } from './helpers/scripted-gateway.js'

const redisSkip = await redisSkipReason()
const key = 'sk-team-key-0123456789'

function configDir(t: TestContext, lines: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'oar-limits-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'config.yaml'), ['address: "127.0.0.1:0"', ...lines, ''].join('\n'))
  return dir
}

function upstreamLines(up: FakeUpstream): string[] {
  return ['upstreams:', `  - { name: main, endpoint: "${up.endpoint}", sk: sk-upstream }`]
}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: { error?: { code: string | null; type: string } }
}

/** One chat on a connection of its own (so either worker of a gateway may take it). */
async function ask(gw: GatewayProcess, extra: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, connection: 'close' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra }),
    signal: AbortSignal.timeout(processDeadlineMs * 2),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] }
}

function statusCounts(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

/** 90 concurrent requests spread over the gateways (or over one gateway's workers): exactly `rpm` get through. */
async function assertExactRpm(gateways: readonly GatewayProcess[], up: FakeUpstream): Promise<void> {
  const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => ask(gateways[i % gateways.length] as GatewayProcess)))
  assert.deepEqual(statusCounts(answers), { 200: 30, 429: 60 })
  assert.equal(up.requests.length, 30)
  for (const refused of answers.filter((a) => a.status === 429)) {
    assert.equal(refused.body.error?.code, 'rate_limit_exceeded')
    assert.equal(refused.body.error?.type, 'requests')
    assert.equal(refused.headers.get('x-ratelimit-limit-requests'), '30')
    assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0')
    assert.match(refused.headers.get('x-ratelimit-reset-requests') ?? '', /^\d/)
    assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  }
}

/** An upstream that holds every request until released, counting how many it holds at once. */
function heldUpstream(): { behaviour: Behaviour; release: () => void; holding: () => number; most: () => number } {
  const gate = deferred()
  let holding = 0
  let most = 0
  const behaviour = async (req: ReceivedRequest, res: ServerResponse): Promise<void> => {
    holding++
    most = Math.max(most, holding)
    await Promise.race([gate.promise, req.aborted])
    holding--
    if (!req.wasAborted()) await json(200, completion('ok'))(req, res)
  }
  return { behaviour, release: gate.resolve, holding: () => holding, most: () => most }
}

async function until(holds: () => boolean | Promise<boolean>, what: string, deadlineMs = processDeadlineMs): Promise<void> {
  const end = performance.now() + deadlineMs
  while (!(await holds())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function spentTokens(gw: GatewayProcess): Promise<number> {
  const res = await fetch(`${gw.url}/v1/usage`, { headers: { authorization: `Bearer ${key}`, connection: 'close' } })
  return ((await res.json()) as { budget: { spent_tokens: number } }).budget.spent_tokens
}

async function metric(gw: GatewayProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' } })
  return sumOf(parseSamples(await res.text()), name, labels)
}

describe('limits across processes', () => {
  test('two gateways sharing Redis: rpm 30 admits exactly 30 of 90 concurrent requests', { skip: redisSkip }, async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const up = await fakeUpstreamFor(t, json(200, completion('ok')))
    const dir = configDir(t, [
      'dbtype: none',
      `redis: { url: "${sharedRedisUrl}", prefix: "${prefix}" }`,
      `keys: [{ name: team, key: ${key}, rpm: 30 }]`,
      ...upstreamLines(up),
    ])
    const a = await startGatewayProcess(t, [], dir)
    const b = await startGatewayProcess(t, [], dir)
    await assertExactRpm([a, b], up)
  })

  test('--workers 2 without Redis: the primary holds the counters, exactly 30 of 90', async (t) => {
    const up = await fakeUpstreamFor(t, json(200, completion('ok')))
    const dir = configDir(t, ['dbtype: none', `keys: [{ name: team, key: ${key}, rpm: 30 }]`, ...upstreamLines(up)])
    const gw = await startGatewayProcess(t, ['--workers', '2'], dir)
    await assertExactRpm([gw], up)
  })

  test('max_concurrent 4 across two gateways: the upstream never holds more than 4 of their requests', { skip: redisSkip }, async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const held = heldUpstream()
    const up = await fakeUpstreamFor(t, held.behaviour)
    const dir = configDir(t, [
      'dbtype: none',
      `redis: { url: "${sharedRedisUrl}", prefix: "${prefix}" }`,
      `keys: [{ name: team, key: ${key}, max_concurrent: 4 }]`,
      ...upstreamLines(up),
    ])
    const a = await startGatewayProcess(t, [], dir)
    const b = await startGatewayProcess(t, [], dir)
    const statuses: number[] = []
    const pending = Array.from({ length: 12 }, (_, i) =>
      ask(i % 2 === 0 ? a : b).then((answer) => {
        statuses.push(answer.status)
        return answer
      }),
    )
    // Four are admitted and held; the other eight are refused while they are.
    await until(() => statuses.length === 8, 'eight answers while four requests are held')
    assert.deepEqual(
      statuses,
      Array.from({ length: 8 }, () => 429),
    )
    assert.equal(held.holding(), 4)
    held.release()
    assert.deepEqual(statusCounts(await Promise.all(pending)), { 200: 4, 429: 8 })
    assert.equal(held.most(), 4)
  })

  test('a gateway killed while it holds slots: they come back within 30 s', { skip: redisSkip }, async (t) => {
    const prefix = randomPrefix()
    t.after(() => removePrefix(prefix))
    const held = heldUpstream()
    const up = await fakeUpstreamFor(t, held.behaviour)
    const dir = configDir(t, [
      'dbtype: none',
      `redis: { url: "${sharedRedisUrl}", prefix: "${prefix}" }`,
      `keys: [{ name: team, key: ${key}, max_concurrent: 2 }]`,
      ...upstreamLines(up),
    ])
    const a = await startGatewayProcess(t, [], dir)
    const b = await startGatewayProcess(t, [], dir)
    const lost = [ask(a), ask(a)].map((p) => p.catch(() => undefined))
    await until(() => held.holding() === 2, 'gateway A to hold both slots')
    assert.equal((await ask(b)).status, 429)
    a.child.kill('SIGKILL')
    await a.exited
    await Promise.all(lost)
    held.release()
    // The dead gateway's leases stop being renewed and expire: within 30 s of its death, B is admitted again.
    await until(async () => (await ask(b)).status === 200, 'the dead gateway slots to come back', 30_000)
  })

  for (const onStoreError of ['allow', 'deny'] as const) {
    test(`Redis stopped under load, on_store_error: ${onStoreError}`, { skip: redisSkip }, async (t) => {
      const redis = ownRedis(await freePort())
      await redis.start()
      t.after(() => redis.stop())
      const up = await fakeUpstreamFor(t, json(200, completion('ok')))
      const dir = configDir(t, [
        'dbtype: none',
        `redis: { url: "${redis.url}", prefix: "limits:" }`,
        `limits: { on_store_error: ${onStoreError} }`,
        `keys: [{ name: team, key: ${key}, rpm: 1000, max_concurrent: 50 }]`,
        ...upstreamLines(up),
      ])
      const gw = await startGatewayProcess(t, [], dir)
      for (let i = 0; i < 5; i++) assert.equal((await ask(gw)).status, 200)
      await redis.stop()
      const answers = await Promise.all(Array.from({ length: 10 }, () => ask(gw)))
      if (onStoreError === 'allow') {
        assert.deepEqual(statusCounts(answers), { 200: 10 })
        assert.ok((await metric(gw, 'openai_api_route_limit_store_errors_total')) > 0)
      } else {
        assert.deepEqual(statusCounts(answers), { 503: 10 })
        for (const answer of answers) {
          assert.equal(answer.body.error?.code, 'limit_store_unavailable')
          assert.ok(Number(answer.headers.get('retry-after')) >= 1)
        }
        assert.equal(up.requests.length, 5)
      }
      await redis.start()
      await until(async () => (await ask(gw)).status === 200, 'the limits to be checked again once Redis is back')
    })
  }

  test('a spent budget stays spent across a restart: rebuilt from the records', async (t) => {
    const up = await fakeUpstreamFor(
      t,
      json(200, completion('ok', 'gpt-4o-mini', { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })),
    )
    const dir = configDir(t, [
      'dbtype: sqlite',
      'dbaddr: ./records.db',
      `keys: [{ name: team, key: ${key}, budget_tokens: 20 }]`,
      ...upstreamLines(up),
    ])
    const first = await startGatewayProcess(t, [], dir)
    // Reserves its prompt and 2 tokens (under 20), is charged 15; the next would pass 20.
    assert.equal((await ask(first, { max_tokens: 2 })).status, 200)
    await until(async () => (await spentTokens(first)) === 15, 'the usage to be charged')
    assert.equal((await ask(first, { max_tokens: 2 })).status, 429)
    assert.equal(await first.stop(), 0)
    const second = await startGatewayProcess(t, [], dir)
    const again = await ask(second, { max_tokens: 2 })
    assert.equal(again.status, 429)
    assert.equal(again.body.error?.code, 'insufficient_quota')
    assert.equal(up.requests.length, 1)
  })
})
