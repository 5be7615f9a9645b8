// CPU used during a measurement: by the process tree under test, and by processes that are not the benchmark's.
import { performance } from 'node:perf_hooks'
import { exitedChildrenCpuMs, machineBusyMs } from './cpu-time.js'
import { processTree, treeCpuMs } from './process-tree.js'

export interface CpuWindow {
  readonly wallMs: number
  /** CPU time of the target's process tree (the mock itself for `direct`); undefined where /proc is missing. */
  readonly targetMs: number | undefined
  /** `targetMs` over the wall time: 1.0 is one core kept busy. */
  readonly targetCores: number | null
  /**
   * Cores busy with processes that are not the benchmark's (mock, target, load generator or wrk, runner) during the
   * window. Well above 0 means something else competed for the CPUs and the figures are not trustworthy.
   */
  readonly otherCores: number | null
}

interface Sample {
  readonly wallMs: number
  readonly machineMs: number | undefined
  readonly oursMs: number | undefined
  readonly targetMs: number | undefined
}

/**
 * Starts counting now; the returned function stops and answers. Load generators and wrk must have exited (and been
 * waited for) before it is called: their CPU is read from this process's cutime/cstime, which holds all of a child's
 * CPU once it has exited; `childrenBeforeMs` is the part a child used before the window opened.
 */
export function openCpuWindow(targetPid: number | undefined, mockPid: number | undefined): (childrenBeforeMs?: number) => CpuWindow {
  const targetPids = targetPid === undefined ? [] : processTree(targetPid)
  const mockPids = mockPid === undefined || targetPids.includes(mockPid) ? [] : processTree(mockPid)
  const sample = (): Sample => {
    const runner = process.cpuUsage()
    const targetMs = targetPids.length === 0 ? undefined : treeCpuMs(targetPids)
    const mockMs = mockPids.length === 0 ? 0 : treeCpuMs(mockPids)
    const childrenMs = exitedChildrenCpuMs()
    const oursMs =
      targetMs === undefined || mockMs === undefined || childrenMs === undefined
        ? undefined
        : targetMs + mockMs + childrenMs + (runner.user + runner.system) / 1000
    return { wallMs: performance.now(), machineMs: machineBusyMs(), oursMs, targetMs }
  }
  const before = sample()
  return (childrenBeforeMs = 0) => {
    const after = sample()
    const wallMs = after.wallMs - before.wallMs
    const targetMs = before.targetMs === undefined || after.targetMs === undefined ? undefined : after.targetMs - before.targetMs
    const diff = (a: number | undefined, b: number | undefined): number | undefined =>
      a === undefined || b === undefined ? undefined : b - a
    const machineMs = diff(before.machineMs, after.machineMs)
    const oursMs = diff(before.oursMs, after.oursMs === undefined ? undefined : after.oursMs - childrenBeforeMs)
    return {
      wallMs,
      targetMs,
      targetCores: targetMs === undefined ? null : targetMs / wallMs,
      // /proc counts in 10 ms ticks, so small negative values are rounding: clamp them.
      otherCores: machineMs === undefined || oursMs === undefined ? null : Math.max(0, machineMs - oursMs) / wallMs,
    }
  }
}
