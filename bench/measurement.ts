// What one scenario measured on one target: a discriminated union, one shape per kind of scenario.
import type { ChildRegistry } from './child-registry.js'
import type { BenchOptions } from './bench-options.js'
import type { ChunkProbeResult } from './chunk-probe.js'
import type { CpuPinning } from './cpu-pinning.js'
import type { LoadResult } from './load-job.js'
import type { RunningServer } from './mock-process.js'
import type { RunningTarget } from './targets.js'

interface MeasurementBase {
  readonly scenario: string
  readonly target: string
  /** Where the target ran: `core 1`, `any core`. */
  readonly cpus: string
  /** Cores other processes used meanwhile (see CpuWindow); null where unknown or not measured. */
  readonly otherCpuCores: number | null
}

/** saturate, fixed-rate, stream: a load job and the target's CPU. */
export interface LoadMeasurement extends MeasurementBase {
  readonly kind: 'load'
  readonly generator: 'wrk' | 'node'
  readonly concurrency: number
  readonly result: LoadResult
  /** The target's CPU time per request it handled after the warm-up (the CPU window starts when the warm-up ends). */
  readonly targetCpuUsPerRequest: number | null
  /** The target's CPU over the window's wall time: ~1.0 means it kept its core busy (saturated). */
  readonly targetCores: number | null
}

export interface ChunkTimingMeasurement extends MeasurementBase {
  readonly kind: 'chunk-timing'
  readonly chunkGapMs: number
  readonly result: ChunkProbeResult
}

export interface IdleStreamsMeasurement extends MeasurementBase {
  readonly kind: 'idle-streams'
  readonly requested: number
  readonly opened: number
  readonly failed: number
  readonly errors: readonly string[]
  readonly openMs: number
  /** The target's resident memory (its process tree's VmRSS) before opening, with all open, and after closing. */
  readonly rssBeforeKb: number | null
  readonly rssOpenKb: number | null
  readonly rssClosedKb: number | null
  readonly kbPerStream: number | null
}

export interface RssSample {
  readonly atS: number
  readonly rssKb: number
}

export interface SoakMeasurement extends MeasurementBase {
  readonly kind: 'soak'
  readonly durationS: number
  readonly ratePerS: number
  readonly streamsPerS: number
  readonly nonStream: LoadResult
  readonly streams: LoadResult
  readonly samples: readonly RssSample[]
  /** The first sample after the warm-up, the last, and the largest. */
  readonly startKb: number | null
  readonly endKb: number | null
  readonly maxKb: number | null
  /** Least-squares slope of RSS over the second half of the samples, in KB per minute. */
  readonly slopeKbPerMin: number | null
}

export type Measurement = LoadMeasurement | ChunkTimingMeasurement | IdleStreamsMeasurement | SoakMeasurement

export interface ScenarioContext {
  readonly children: ChildRegistry
  readonly mock: RunningServer
  readonly options: BenchOptions
  readonly workDir: string
  readonly pinning: CpuPinning
  /** The wrk executable when saturate uses it; undefined = the Node load generator. */
  readonly wrk: string | undefined
  /** Progress lines (stderr). */
  readonly log: (line: string) => void
}

export interface Scenario {
  readonly name: string
  readonly description: string
  /** Whether it runs in this invocation at all (soak only with --soak). */
  enabled(options: BenchOptions): boolean
  /** Whether it runs against this target (soak: the gateway only). */
  appliesTo(target: string): boolean
  run(context: ScenarioContext, target: string, running: RunningTarget): Promise<Measurement>
}
