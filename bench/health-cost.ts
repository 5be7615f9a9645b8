#!/usr/bin/env node
// Micro-benchmark: CPU time per request of the breakers on the request path (the plan's health step, one attempt
// report, the request's end), beside planAttempts alone. Run: node dist/bench/health-cost.js [requests]
import type { ClientIdentity } from '../src/auth/authenticate.js'
import type { UpstreamConfig } from '../src/config/gateway-config.js'
import { parseConfigText } from '../src/config/load-config.js'
import { planAttempts, type PlanInput } from '../src/routing/plan-attempts.js'
import { HealthBoard } from '../src/state/health-board.js'
import { systemClock } from '../src/time/clock.js'

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
