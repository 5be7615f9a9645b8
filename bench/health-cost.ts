#!/usr/bin/env node
// Micro-benchmark: CPU time per request of the breakers on the request path (the plan's health step, one attempt
// report, the request's end), beside planAttempts alone; then the same with a change published on every request,
// with no sync, a Redis sync (REDIS_URL, default the local server) and a Redis sync whose server is down, to show
// the request path does not wait on Redis. Run: node dist/bench/health-cost.js [requests]
import type { ClientIdentity } from '../src/auth/authenticate.js'
import type { UpstreamConfig } from '../src/config/gateway-config.js'
import { parseConfigText } from '../src/config/load-config.js'
import { planAttempts, type PlanInput } from '../src/routing/plan-attempts.js'
import { createLogger } from '../src/log/logger.js'
import { HealthBoard } from '../src/state/health-board.js'
import { noHealthSync, type HealthSync } from '../src/state/health-sync.js'
import { startRedisHealthSync } from '../src/state/redis-health-sync.js'
import { systemClock } from '../src/time/clock.js'
import { createClient } from '@redis/client'
import { randomBytes } from 'node:crypto'
import { freePort } from './free-port.js'

const requests = Number(process.argv[2] ?? 1_000_000)
const { upstreams } = parseConfigText(
  `
authorization: k
upstreams:
  - { name: a, endpoint: "http://127.0.0.1:1/v1" }
  - { name: b, endpoint: "http://127.0.0.1:2/v1" }
  - { name: c, endpoint: "http://127.0.0.1:3/v1" }
`,
  'bench.yaml',
  {},
).config
const identity: ClientIdentity = { kind: 'key', digest: 'd', fingerprint: 'key-d' }
const input: PlanInput = {
  target: { model: 'gpt-4o-mini', path: '/v1/chat/completions' },
  identity,
  upstreams,
  policy: 'order',
  mayUse: () => true,
  isAvailable: () => true,
  random: Math.random,
}
const succeeded = { kind: 'succeeded' } as const
const failed = { kind: 'failed', retryAfterMs: undefined, detail: 'upstream_status, HTTP 503' } as const

function planOnly(): void {
  planAttempts(input)
}

/** Every breaker closed: the plan, one successful attempt reported, the request's end. */
function withHealth(board: HealthBoard): () => void {
  return () => {
    const plan = planAttempts(input)
    if (plan.kind !== 'attempts') return
    const health = board.plan(plan.attempts)
    if (health.kind !== 'attempts') return
    health.health.attemptEnded(health.attempts[0] as UpstreamConfig, succeeded)
    health.health.finished()
  }
}

function measure(run: () => void, n: number): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) run()
  return Number(process.hrtime.bigint() - start) / n
}

const closedBoard = new HealthBoard(upstreams, { clock: systemClock })
const openBoard = new HealthBoard(upstreams, { clock: systemClock })
for (let i = 0; i < 5; i++) openBoard.report(upstreams[0] as UpstreamConfig, failed, false)
const cases: Array<[string, () => void]> = [
  ['planAttempts alone', planOnly],
  ['+ health, every breaker closed', withHealth(closedBoard)],
  ['+ health, the first upstream open', withHealth(openBoard)],
]
for (const [name, run] of cases) {
  measure(run, Math.min(requests, 200_000)) // warm up
  const runs = [measure(run, requests), measure(run, requests), measure(run, requests)].sort((a, b) => a - b)
  process.stdout.write(`${name.padEnd(36)} ${(runs[1] as number).toFixed(0).padStart(6)} ns per request (median of 3 x ${requests})\n`)
}

// A change on every request: upstream `a` opens on one failure and closes on the next success, so each request
// publishes two records. The loop yields to the event loop every `batch` requests so a Redis client does its I/O
// between batches, as it would between requests; only the time inside the batches (the request path) is counted.
const batch = 1_000
const { upstreams: flapping } = parseConfigText(
  `
authorization: k
upstreams:
  - { name: a, endpoint: "http://127.0.0.1:1/v1", health: { failures_to_open: 1 } }
  - { name: b, endpoint: "http://127.0.0.1:2/v1" }
  - { name: c, endpoint: "http://127.0.0.1:3/v1" }
`,
  'bench.yaml',
  {},
).config
const flapInput: PlanInput = { ...input, upstreams: flapping }

function flap(board: HealthBoard): () => void {
  return () => {
    const plan = planAttempts(flapInput)
    if (plan.kind !== 'attempts') return
    const health = board.plan(plan.attempts)
    if (health.kind !== 'attempts') return
    const first = health.attempts[0] as UpstreamConfig
    health.health.attemptEnded(first, failed)
    health.health.attemptEnded(first, succeeded)
    health.health.finished()
  }
}

async function measureYielding(run: () => void, n: number): Promise<number> {
  let spent = 0n
  for (let done = 0; done < n; done += batch) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) run()
    spent += process.hrtime.bigint() - start
    await new Promise((resolve) => setImmediate(resolve))
  }
  return Number(spent) / n
}

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/0'
const logger = createLogger({ level: 'error', write: () => undefined })
let redisErrors = 0
const prefix = `openai-api-route-bench:${randomBytes(6).toString('hex')}:`
const reachable = startRedisHealthSync({ url: redisUrl, prefix, logger, onError: () => redisErrors++ })
const down = startRedisHealthSync({ url: `redis://127.0.0.1:${await freePort()}/0`, prefix, logger, onError: () => undefined })
// Let the first connection come up (or fail), so the runs see a steady state.
await new Promise((resolve) => setTimeout(resolve, 500))
const flapCases: Array<[string, HealthSync]> = [
  ['a change every request, no sync', noHealthSync],
  ['a change every request, Redis sync', reachable],
  ['a change every request, Redis down', down],
]
const n = Math.min(requests, 200_000)
for (const [name, sync] of flapCases) {
  const run = flap(new HealthBoard(flapping, { clock: systemClock, sync, origin: `bench-${name}` }))
  await measureYielding(run, Math.min(n, 50_000)) // warm up
  const runs = [await measureYielding(run, n), await measureYielding(run, n), await measureYielding(run, n)].sort((a, b) => a - b)
  process.stdout.write(`${name.padEnd(36)} ${(runs[1] as number).toFixed(0).padStart(6)} ns per request (median of 3 x ${n})\n`)
}
// What the Redis sync published did get there: the hash holds the board's last change for `a` (closed).
const check = createClient({ url: redisUrl, socket: { reconnectStrategy: false } })
check.on('error', () => undefined)
try {
  await check.connect()
  const until = Date.now() + 5_000
  let held: string | undefined
  while ((held = (await check.hGet(`${prefix}health`, 'a')) ?? undefined) === undefined && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const state = held === undefined ? 'nothing' : (JSON.parse(held) as { state: string }).state
  process.stdout.write(`Redis holds for a: ${state} (the last change: closed); Redis errors meanwhile: ${redisErrors}\n`)
  await check.del(`${prefix}health`)
  check.destroy()
} catch (error) {
  process.stdout.write(`Redis at ${redisUrl} could not be read: ${String(error)}\n`)
}
await Promise.all([reachable.close(), down.close()])
