// A process and its descendants (nginx's workers, the gateway's cluster workers): their summed CPU time and memory.
import { readdirSync, readFileSync } from 'node:fs'
import { processCpuMs } from './cpu-time.js'

/** `pid` and every live descendant, from /proc/<pid>/stat's parent pid; just `[pid]` where /proc is missing. */
export function processTree(pid: number): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return [pid]
  }
  const childrenOf = new Map<number, number[]>()
  for (const entry of entries) {
    const parent = parentPid(Number(entry))
    if (parent === undefined) continue
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), Number(entry)])
  }
  const tree: number[] = []
  const visit = (p: number): void => {
    tree.push(p)
    for (const child of childrenOf.get(p) ?? []) visit(child)
  }
  visit(pid)
  return tree
}

/** User + system CPU of all `pids`, in ms; undefined if any of them cannot be read. */
export function treeCpuMs(pids: readonly number[]): number | undefined {
  let sum = 0
  for (const pid of pids) {
    const ms = processCpuMs(pid)
    if (ms === undefined) return undefined
    sum += ms
  }
  return sum
}

/** Resident memory (VmRSS) of all `pids`, in KB; undefined if any of them cannot be read. */
export function treeRssKb(pids: readonly number[]): number | undefined {
  let sum = 0
  for (const pid of pids) {
    const kb = rssKb(pid)
    if (kb === undefined) return undefined
    sum += kb
  }
  return sum
}

export function rssKb(pid: number): number | undefined {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(`/proc/${pid}/status`) ?? '')
  return match === null ? undefined : Number(match[1])
}

function parentPid(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // After `pid (comm) state`, field 4 is the parent pid; comm may contain spaces, so count from its last ')'.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  return Number.isInteger(ppid) ? ppid : undefined
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // the process has exited, or this is not Linux
  }
}
