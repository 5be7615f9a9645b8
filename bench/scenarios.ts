// How the load is shaped: each scenario turns the options into one LoadJob and names the figures that matter.
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

/** A new scenario (memory per idle stream, records on) is one more entry here. */
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
    description: 'stream: true, --streams concurrent streams of --chunks chunks written back to back: streams/s and CPU per stream',
    concurrency: (o) => o.streams,
    jobFor: (o, origin) => ({
      ...baseJob(o, origin),
      stream: true,
      mockStream: { chunks: o.chunks, chunkGapMs: 0 },
      mode: { kind: 'closed' },
      connections: o.streams,
    }),
    figures: ['requestsPerS', 'firstByteP50', 'firstByteP99', 'totalP50', 'totalP99'],
  },
  {
    name: 'stream-paced',
    description: 'the same streams with --chunk-gap-ms between chunks, like a model generating: time to first byte when not saturated',
    concurrency: (o) => o.streams,
    jobFor: (o, origin) => ({
      ...baseJob(o, origin),
      stream: true,
      mockStream: { chunks: o.chunks, chunkGapMs: o.chunkGapMs },
      mode: { kind: 'closed' },
      connections: o.streams,
    }),
    figures: ['firstByteP50', 'firstByteP99', 'totalP50', 'totalP99'],
  },
]
