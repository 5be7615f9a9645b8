#!/usr/bin/env node
// Micro-benchmark: the per-request cost of a named key's limits on the request path (one check, the release of its
// slot and the settling of its reservation) for a key with rpm + tpm + max_concurrent, counted in the process and in
// Redis (REDIS_URL, default the local server); then the reservation's estimate (the prompt counted on the token
// thread). CPU is this process's (user + system) per request; latency is one request's wait, one at a time and 32 at
// once. Run: node dist/bench/limit-cost.js [requests]
import { randomBytes } from 'node:crypto'
import type { KeyLimits } from '../src/config/gateway-config.js'
import { estimateReservation } from '../src/http/limit-estimate.js'
import { createLimitStore } from '../src/limits/create-limit-store.js'
import type { LimitStore } from '../src/limits/limit-store.js'
import { LocalLimitStore } from '../src/limits/local-limit-store.js'
import { systemClock } from '../src/time/clock.js'
import { WorkerTokenEstimator } from '../src/tokens/token-estimator.js'

const requests = Number(process.argv[2] ?? 20_000)
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/0'
// Limits no request reaches: every check admits, so each measures the whole path (check, release, settle).
const limits: KeyLimits = {
  rpm: 1_000_000_000,
  tpm: 1_000_000_000_000,
  maxConcurrent: 1_000_000,
  budgetUsd: undefined,
  budgetTokens: undefined,
  budgetPeriod: 'month',
}

let nextId = 0
async function oneRequest(store: LimitStore, key: string): Promise<void> {
  const decision = await store.check({ key, limits, id: `r${nextId++}`, tokens: 1200, costUsd: 0 })
  if (decision.kind !== 'admitted') throw new Error(`not admitted: ${decision.kind}`)
  decision.lease.release()
  decision.lease.settle({ tokens: 900, costUsd: 0 })
}

interface Figures {
  readonly cpuUs: number
  readonly latencyUs: number
}

async function measure(run: () => Promise<void>, n: number, concurrency: number): Promise<Figures> {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  let issued = 0
  const lane = async (): Promise<void> => {
    while (issued < n) {
      issued++
      await run()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  const wallNs = Number(process.hrtime.bigint() - start)
  const used = process.cpuUsage(cpu)
  return { cpuUs: (used.user + used.system) / n, latencyUs: (wallNs / 1000 / n) * concurrency }
}

function line(name: string, figures: Figures, concurrency: number): void {
  const cpu = figures.cpuUs.toFixed(1).padStart(7)
  const latency = figures.latencyUs.toFixed(1).padStart(8)
  process.stdout.write(`${name.padEnd(44)} ${cpu} us CPU/request ${latency} us latency (${concurrency} at once, ${requests} requests)\n`)
}

async function bench(name: string, store: LimitStore): Promise<void> {
  const key = `bench-${randomBytes(4).toString('hex')}`
  await measure(() => oneRequest(store, key), Math.min(requests, 2_000), 1) // warm up
  for (const concurrency of [1, 32]) line(name, await measure(() => oneRequest(store, key), requests, concurrency), concurrency)
}

await bench('in the process (one gateway, no Redis)', new LocalLimitStore(systemClock))
const redis = createLimitStore({
  redis: { url: redisUrl, prefix: `oar-bench:${randomBytes(4).toString('hex')}:` },
  limits: { onStoreError: 'deny', defaultCompletionTokens: 4096 },
  clock: systemClock,
  onError: (error) => {
    throw error instanceof Error ? error : new Error(String(error))
  },
})
await bench('in Redis (one EVALSHA per check)', redis)
await redis.close()

const tokens = new WorkerTokenEstimator(() => undefined)
const json = {
  model: 'gpt-4o-mini',
  max_tokens: 256,
  messages: [
    { role: 'system', content: 'You are a helpful assistant who answers briefly. '.repeat(8) },
    { role: 'user', content: `Summarise this: ${'the quick brown fox jumps over the lazy dog '.repeat(20)}` },
  ],
}
const estimate = (): Promise<void> =>
  estimateReservation({ json, path: '/chat/completions', tokens, defaultCompletionTokens: 4096 }).then(() => undefined)
await measure(estimate, 200, 1) // loads the encoding
for (const concurrency of [1, 32])
  line('the reservation estimate (a 1.2 KB chat)', await measure(estimate, requests, concurrency), concurrency)
await tokens.close()
