// CPU time a process has used so far, from /proc/<pid>/stat (Linux); undefined elsewhere or once it has gone.
import { readFileSync } from 'node:fs'

// USER_HZ: the unit of utime/stime in /proc. It is 100 on every mainstream Linux build.
const ticksPerSecond = 100

export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined // not Linux, or the process has exited: the CPU column is then left blank
  }
  // Field 2 (comm) may contain spaces and parentheses, so count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After comm, fields start at 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[14 - 3])
  const stime = Number(fields[15 - 3])
  return ((utime + stime) * 1000) / ticksPerSecond
}
