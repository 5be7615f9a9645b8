// Processes by parentage and environment, read from /proc (Linux): to check that a gateway left no process behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs'

export const procAvailable = existsSync('/proc/self/stat')

/** The pids whose parent is `pid`, now. */
export function childPids(pid: number): number[] {
  return eachProcess().filter((p) => parentOf(p) === pid)
}

/** The pids (other than this process) whose environment has `name=value`: a marker a test gave the gateway. */
export function pidsWithEnv(name: string, value: string): number[] {
  const entry = `${name}=${value}`
  return eachProcess().filter((p) => p !== process.pid && readOr(`/proc/${p}/environ`, '').split('\0').includes(entry))
}

function eachProcess(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
}

function parentOf(pid: number): number | undefined {
  // The command name (field 2) is in parentheses and may hold spaces: the fields after its last ")" are fixed.
  const stat = readOr(`/proc/${pid}/stat`, '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[1] === undefined ? undefined : Number(fields[1])
}

/** A process may end between the listing and the read. */
function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}
