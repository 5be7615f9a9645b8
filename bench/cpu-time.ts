// CPU time from /proc (Linux): one process's, and the whole machine's; undefined elsewhere or once a process has gone.
import { readFileSync } from 'node:fs'

// USER_HZ: the unit of the times in /proc/<pid>/stat and /proc/stat. It is 100 on every mainstream Linux build.
const ticksPerSecond = 100

export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  const stat = readProc(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // Field 2 (comm) may contain spaces and parentheses, so count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After comm, fields start at 3 (state): utime is field 14, stime field 15.
  return ticksToMs(Number(fields[14 - 3]) + Number(fields[15 - 3]))
}

/**
 * CPU time of this process's children that have exited and been waited for (cutime + cstime): the load generators
 * and wrk runs, which are gone by the time a measurement ends.
 */
export function exitedChildrenCpuMs(): number | undefined {
  const stat = readProc('/proc/self/stat')
  if (stat === undefined) return undefined
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // cutime is field 16, cstime field 17.
  return ticksToMs(Number(fields[16 - 3]) + Number(fields[17 - 3]))
}

/** Busy time of all CPUs together (user, nice, system, irq, softirq, steal): what every process used, ours or not. */
export function machineBusyMs(): number | undefined {
  const stat = readProc('/proc/stat')
  const total = stat?.split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number)
  if (total === undefined || total.length < 8) return undefined
  const [user, nice, system, , , irq, softirq, steal] = total as [number, number, number, number, number, number, number, number]
  return ticksToMs(user + nice + system + irq + softirq + steal)
}

function ticksToMs(ticks: number): number {
  return (ticks * 1000) / ticksPerSecond
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // not Linux, or the process has exited: the CPU columns are then left blank
  }
}
