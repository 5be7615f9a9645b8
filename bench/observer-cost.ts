#!/usr/bin/env node
// Micro-benchmark: CPU time per finished request of each built-in observer (metrics, alerts, request log).
// Run: node dist/bench/observer-cost.js [requests]
import { configuredModels } from '../src/observers/metrics/metric-labels.js'
import { GatewayMetrics } from '../src/observers/metrics/gateway-metrics.js'
import { renderPrometheusText } from '../src/observers/metrics/prometheus-text.js'
import { AlertCenter } from '../src/observers/alerts/alert-center.js'
import { alertObserver } from '../src/observers/alerts/alert-observer.js'
import { requestLogObserver } from '../src/observers/logging/request-log.js'
import { createLogger } from '../src/log/logger.js'
import type { OutcomeObserver } from '../src/outcome/request-outcome.js'
import { systemClock } from '../src/time/clock.js'
import { sampleModels, sampleOutcomes } from './sample-outcomes.js'

const requests = Number(process.argv[2] ?? 2_000_000)
const outcomes = sampleOutcomes(10_000)
const models = configuredModels({ upstreams: [], metrics: { models: sampleModels } })
const silent = createLogger({ level: 'silent' })
let written = 0
const logger = createLogger({ level: 'info', write: (line) => (written += line.length) })

const metrics = new GatewayMetrics({ models, maxSeenModels: 0, version: 'bench' })
const alerts = new AlertCenter({
  config: {
    sinks: [],
    failuresToOpen: 3,
    successesToRecover: 3,
    repeatIntervalMs: 1_800_000,
    maxPerHour: 20,
    storeBacklog: 5000,
    storeCheckIntervalMs: 10_000,
  },
  gatewayName: 'bench',
  sinks: [],
  clock: systemClock,
  counters: metrics.alertCounters,
  logger: silent,
})
const cases: Array<[string, OutcomeObserver]> = [
  ['metrics', metrics.observe],
  ['alerts', alertObserver(alerts, (model) => (models.has(model) ? model : 'other'))],
  ['request log line (JSON, no I/O)', requestLogObserver(logger)],
]

function measure(observer: OutcomeObserver, n: number): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) observer(outcomes[i % outcomes.length] as (typeof outcomes)[number])
  return Number(process.hrtime.bigint() - start) / n
}

for (const [name, observer] of cases) {
  measure(observer, Math.min(requests, 200_000)) // warm up
  const runs = [measure(observer, requests), measure(observer, requests), measure(observer, requests)].sort((a, b) => a - b)
  process.stdout.write(`${name.padEnd(34)} ${(runs[1] as number).toFixed(0).padStart(6)} ns per request (median of 3 x ${requests})\n`)
}
const scrapeStart = process.hrtime.bigint()
const text = renderPrometheusText(metrics.registry.snapshot())
process.stdout.write(`scrape: ${text.length} bytes in ${(Number(process.hrtime.bigint() - scrapeStart) / 1e6).toFixed(2)} ms\n`)
await alerts.close(0)
if (written === 0) process.stdout.write('(no log lines were produced)\n')
