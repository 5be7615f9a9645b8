// One measurement: a scenario's job against one running target, with the CPU the target and everyone else used.
import { performance } from 'node:perf_hooks'
import type { BenchOptions } from './bench-options.js'
import type { ChildRegistry } from './child-registry.js'
import { machineBusyMs, processCpuMs } from './cpu-time.js'
import type { LoadResult } from './load-job.js'
import type { RunningServer } from './mock-process.js'
import { runLoadJob } from './run-load-job.js'
import type { Figure, Scenario } from './scenarios.js'
import type { RunningTarget } from './targets.js'

export interface Measurement {
  readonly scenario: string
  readonly target: string
  readonly concurrency: number
  /** The figures the report compares for this scenario. */
  readonly figures: readonly Figure[]
  readonly result: LoadResult
  /** CPU time of the process the load generator talks to, per request it handled; null where /proc is missing. */
  readonly targetCpuUsPerRequest: number | null
  /**
   * Cores busy with processes that are not the benchmark's (mock, target, load generator, runner) during the job.
   * Well above 0 means something else competed for the CPUs and the figures are not trustworthy.
   */
  readonly otherCpuCores: number | null
}

export interface MeasureContext {
  readonly children: ChildRegistry
  readonly mock: RunningServer
  readonly options: BenchOptions
}

interface CpuSample {
  readonly wallMs: number
  readonly machineMs: number | undefined
  readonly runnerMs: number
  /** Per pid, for the mock and the target (the same pid for the direct target). */
  readonly processMs: ReadonlyMap<number, number | undefined>
}

export async function measure(context: MeasureContext, scenario: Scenario, target: string, running: RunningTarget): Promise<Measurement> {
  const pids = [...new Set([context.mock.pid, running.pid])].filter((pid): pid is number => pid !== undefined)
  const before = sampleCpu(pids)
  const result = await runLoadJob(context.children, scenario.jobFor(context.options, running.origin))
  const after = sampleCpu(pids)
  const used = (pid: number | undefined): number | undefined => {
    const start = pid === undefined ? undefined : before.processMs.get(pid)
    const end = pid === undefined ? undefined : after.processMs.get(pid)
    return start === undefined || end === undefined ? undefined : end - start
  }
  const targetMs = used(running.pid)
  const oursMs = pids.reduce<number | undefined>((sum, pid) => (sum === undefined || used(pid) === undefined ? undefined : sum + (used(pid) as number)), 0)
  const machineMs = before.machineMs === undefined || after.machineMs === undefined ? undefined : after.machineMs - before.machineMs
  const othersMs = machineMs === undefined || oursMs === undefined ? undefined : machineMs - oursMs - result.generatorCpuMs - (after.runnerMs - before.runnerMs)
  return {
    scenario: scenario.name,
    target,
    concurrency: scenario.concurrency(context.options),
    figures: scenario.figures,
    result,
    targetCpuUsPerRequest: targetMs === undefined || result.handled === 0 ? null : (targetMs * 1000) / result.handled,
    // /proc counts in 10 ms ticks, so small negative values are rounding: clamp them.
    otherCpuCores: othersMs === undefined ? null : Math.max(0, othersMs) / (after.wallMs - before.wallMs),
  }
}

function sampleCpu(pids: readonly number[]): CpuSample {
  const runner = process.cpuUsage()
  return {
    wallMs: performance.now(),
    machineMs: machineBusyMs(),
    runnerMs: (runner.user + runner.system) / 1000,
    processMs: new Map(pids.map((pid) => [pid, processCpuMs(pid)])),
  }
}
