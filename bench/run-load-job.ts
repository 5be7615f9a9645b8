// Runs one LoadJob in a fresh load-generator process and returns its result, bounded by a deadline.
import type { ChildRegistry } from './child-registry.js'
import { nextMessage } from './child-registry.js'
import { isLoadResult, type LoadJob, type LoadResult } from './load-job.js'

// Beyond the job's own time: process start, the drain of in-flight requests, and the answer over IPC.
const slackMs = 15_000

export async function runLoadJob(children: ChildRegistry, job: LoadJob): Promise<LoadResult> {
  const child = children.fork(new URL('./load-generator.js', import.meta.url))
  try {
    const result = nextMessage(child, isLoadResult, job.warmupMs + job.durationMs + job.requestTimeoutMs + slackMs, 'load generator')
    child.send(job)
    return await result
  } finally {
    await children.stop(child)
  }
}
