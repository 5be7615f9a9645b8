// The scenarios that are one load job each: saturate (wrk or Node, closed loop), fixed-rate (open loop), stream.
import type { BenchOptions } from './bench-options.js'
import { chatRequestBody } from './chat-request.js'
import { openCpuWindow, type CpuWindow } from './cpu-window.js'
import type { LoadJob, LoadResult } from './load-job.js'
import type { LoadMeasurement, Scenario, ScenarioContext } from './measurement.js'
import { runLoadJob } from './run-load-job.js'
import type { RunningTarget } from './targets.js'
import { runWrk } from './wrk-load.js'

export const chatPath = '/v1/chat/completions'
export const requestTimeoutMs = 10_000

function baseJob(options: BenchOptions, origin: string): Omit<LoadJob, 'stream' | 'mode' | 'connections'> {
  return { type: 'job', origin, path: chatPath, warmupMs: options.warmupS * 1000, durationMs: options.durationS * 1000, requestTimeoutMs }
}

/** Which scenario is measured on which target. */
interface Subject {
  readonly scenario: string
  readonly target: string
  readonly running: RunningTarget
}

/**
 * One job in a fresh Node load generator. The target's CPU is counted from the end of the warm-up (the generator
 * says when), over the requests that ended after it: a freshly started gateway compiles its hot code during the
 * warm-up, which is not the cost of a request.
 */
async function measureNodeJob(context: ScenarioContext, subject: Subject, job: LoadJob): Promise<LoadMeasurement> {
  let close: ((childrenBeforeMs?: number) => CpuWindow) | undefined
  let generatorBeforeMs = 0
  const open = (): void => {
    close = openCpuWindow(subject.running.pid, context.mock.pid)
  }
  const result = await runLoadJob(context.children, job, context.pinning.load, (measuring) => {
    generatorBeforeMs = measuring.generatorCpuMs
    open()
  })
  if (close === undefined) throw new Error('the load generator never said that its warm-up had ended')
  return loadMeasurement(subject, { generator: 'node', concurrency: job.connections, result }, close(generatorBeforeMs))
}

function loadMeasurement(
  { scenario, target, running }: Subject,
  { generator, concurrency, result }: { generator: 'wrk' | 'node'; concurrency: number; result: LoadResult },
  cpu: CpuWindow,
): LoadMeasurement {
  return {
    kind: 'load',
    scenario,
    target,
    cpus: running.cpus,
    generator,
    concurrency,
    result,
    targetCpuUsPerRequest:
      cpu.targetMs === undefined || result.handledMeasured === 0 ? null : (cpu.targetMs * 1000) / result.handledMeasured,
    targetCores: cpu.targetCores,
    otherCpuCores: cpu.otherCores,
  }
}

const everywhere = (): boolean => true

export const saturate: Scenario = {
  name: 'saturate',
  description: 'non-stream chat requests, closed loop on --connections connections, as fast as the target answers',
  enabled: everywhere,
  appliesTo: everywhere,
  async run(context, target, running) {
    const { options, wrk } = context
    if (wrk === undefined) {
      const job: LoadJob = {
        ...baseJob(options, running.origin),
        stream: false,
        mode: { kind: 'closed' },
        connections: options.connections,
      }
      return measureNodeJob(context, { scenario: 'saturate', target, running }, job)
    }
    const wrkJob = {
      wrk,
      cpuPrefix: context.pinning.load,
      origin: running.origin,
      path: chatPath,
      body: chatRequestBody(false),
      connections: options.connections,
      requestTimeoutS: requestTimeoutMs / 1000,
      workDir: context.workDir,
    }
    // A separate warm-up run, so that the CPU window covers exactly the measured requests.
    if (options.warmupS > 0) await runWrk(context.children, { ...wrkJob, durationS: options.warmupS })
    const close = openCpuWindow(running.pid, context.mock.pid)
    const result = await runWrk(context.children, { ...wrkJob, durationS: options.durationS })
    return loadMeasurement(
      { scenario: 'saturate', target, running },
      { generator: 'wrk', concurrency: options.connections, result },
      close(),
    )
  },
}

export const fixedRate: Scenario = {
  name: 'fixed-rate',
  description: 'non-stream chat requests, open loop at --rate requests/s: latency when the target is not saturated',
  enabled: everywhere,
  appliesTo: everywhere,
  run: (context, target, running) =>
    measureNodeJob(
      context,
      { scenario: 'fixed-rate', target, running },
      {
        ...baseJob(context.options, running.origin),
        stream: false,
        mode: { kind: 'open', ratePerS: context.options.rate },
        connections: context.options.connections,
      },
    ),
}

export const stream: Scenario = {
  name: 'stream',
  description:
    '--streams concurrent streams (closed loop, starts spread over one stream) of --chunks chunks, --chunk-gap-ms apart: time to first byte, CPU per stream',
  enabled: everywhere,
  appliesTo: everywhere,
  run: (context, target, running) =>
    measureNodeJob(
      context,
      { scenario: 'stream', target, running },
      {
        ...baseJob(context.options, running.origin),
        stream: true,
        mockStream: { chunks: context.options.chunks, chunkGapMs: context.options.chunkGapMs },
        mode: { kind: 'closed' },
        connections: context.options.streams,
      },
    ),
}
