// Which core each benchmark process runs on: the proxy under test alone on one, mock and load generator on another.
import { availableParallelism } from 'node:os'
import { findCommand } from './find-command.js'

export interface CpuPinning {
  /** Command prefix for the proxy under test (nginx, the one-process gateway): `taskset -c 1`, or none. */
  readonly proxy: readonly string[]
  /** Command prefix for the mock upstream, the load generator and wrk: `taskset -c 0`, or none. */
  readonly load: readonly string[]
  /** How it was decided, for the report. */
  readonly description: string
}

export const proxyCore = 1
export const loadCore = 0

/** `taskset` (util-linux) on a machine with two or more cores; otherwise nothing is pinned, and the report says so. */
export function planCpuPinning(): CpuPinning {
  const cores = availableParallelism()
  const taskset = findCommand('taskset')
  if (taskset === undefined || cores < 2) {
    const why = taskset === undefined ? 'taskset (util-linux) not found' : `${cores} core`
    return { proxy: [], load: [], description: `not pinned (${why}): every process shares every core` }
  }
  return {
    proxy: [taskset, '-c', String(proxyCore)],
    load: [taskset, '-c', String(loadCore)],
    description: `proxy under test on core ${proxyCore}; mock, load generator and wrk on core ${loadCore} (taskset); runner and gateway-2-workers not pinned`,
  }
}
