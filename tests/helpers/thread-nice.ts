// Per-thread scheduling priorities of this process, read from Linux /proc.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { backgroundNice } from '../../src/threads/background-priority.js'

/**
 * Per-thread priorities can be read (Linux) and a background thread can be told apart from the others, or a test
 * that needs them says why it is skipped: under `nice -n 5` or more every thread already runs at that priority.
 */
export const threadPrioritiesVisible: false | string = !existsSync('/proc/thread-self')
  ? 'needs Linux /proc (per-thread priorities)'
  : getPriority() >= backgroundNice
    ? `the tests run at nice ${getPriority()}, where background threads (nice ${backgroundNice}) look like every other thread`
    : false

/** The nice value of one of this process's threads (field 19 of /proc/self/task/<tid>/stat). */
export function threadNice(threadId: number): number {
  const stat = readFileSync(`/proc/self/task/${threadId}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3])
}

/** The calling thread's id. */
export function currentThreadId(): number {
  return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0])
}

/** Ids of this process's threads running at `nice`. */
export function threadsAtNice(nice: number): number[] {
  return readdirSync('/proc/self/task')
    .map(Number)
    .filter((id) => {
      try {
        return threadNice(id) === nice
      } catch {
        return false // the thread ended while we looked
      }
    })
}
