// Background threads (the records store, the token counter) yield the CPU to the thread that serves requests.
import { readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'

/**
 * Nice 5: when both want the core, the request thread (nice 0) gets ~3/4 of it and wakes ahead of a batch write
 * in progress, so a 200-row insert does not sit in front of a request's answer; the store still has ~1/4 of a
 * core under full load, several times what it needs to keep up. Raising one's own nice value needs no privilege.
 */
export const backgroundNice = 5

/**
 * Lowers the priority of the calling thread only (Linux schedules threads as tasks: `setpriority` on a thread id).
 * Returns the thread id, or undefined where threads cannot be told apart this way (not Linux): nothing changes.
 */
export function runAtBackgroundPriority(): number | undefined {
  let threadId: number
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop())
  } catch {
    return undefined
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return undefined
  try {
    if (getPriority(threadId) < backgroundNice) setPriority(threadId, backgroundNice)
  } catch {
    return undefined
  }
  return threadId
}
