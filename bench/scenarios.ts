// How the load is shaped: each scenario turns the options into one LoadJob and names the figures that matter.
// A new one (memory per idle stream, a slow-chunk stream) is one more entry in `scenarios`.
import type { BenchOptions } from './bench-options.js'
import type { LoadJob } from './load-job.js'

/** Figures of a result that the report compares between targets. */
export type Figure = 'requestsPerS' | 'totalP50' | 'totalP99' | 'firstByteP50' | 'firstByteP99'

export interface Scenario {
  readonly name: string
  readonly description: string
  /** Concurrency shown in the report. */
  concurrency(options: BenchOptions): number
  jobFor(options: BenchOptions, origin: string): LoadJob
  readonly figures: readonly Figure[]
}

const chatPath = '/v1/chat/completions'
const requestTimeoutMs = 10_000

function baseJob(options: BenchOptions, origin: string): Omit<LoadJob, 'stream' | 'mode' | 'connections'> {
  return {
    type: 'job',
    origin,
    path: chatPath,
    warmupMs: options.warmupS * 1000,
    durationMs: options.durationS * 1000,
    requestTimeoutMs,
  }
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'saturate',
    description: 'non-stream chat requests, closed loop, as fast as the target answers',
    concurrency: (o) => o.connections,
    jobFor: (o, origin) => ({ ...baseJob(o, origin), stream: false, mode: { kind: 'closed' }, connections: o.connections }),
    figures: ['requestsPerS', 'totalP50', 'totalP99'],
  },
  {
    name: 'fixed-rate',
    description: 'non-stream chat requests, open loop at --rate requests/s: latency when not saturated',
    concurrency: (o) => o.connections,
    jobFor: (o, origin) => ({ ...baseJob(o, origin), stream: false, mode: { kind: 'open', ratePerS: o.rate }, connections: o.connections }),
    figures: ['totalP50', 'totalP99'],
  },
  {
    name: 'stream',
    description: 'stream: true, closed loop with --streams concurrent streams of --chunks chunks each',
    concurrency: (o) => o.streams,
    jobFor: (o, origin) => ({ ...baseJob(o, origin), stream: true, mode: { kind: 'closed' }, connections: o.streams }),
    figures: ['firstByteP50', 'firstByteP99', 'totalP50', 'totalP99', 'requestsPerS'],
  },
]
