// Runs one job in a fresh child process (load generator, chunk probe) and returns its answer, bounded by a deadline.
import type { ChildRegistry } from './child-registry.js'
import { nextMessage } from './child-registry.js'
import { isLoadMeasuring, isLoadResult, type LoadJob, type LoadMeasuring, type LoadResult } from './load-job.js'

// Beyond the job's own time: process start, the drain of in-flight requests, and the answer over IPC.
const slackMs = 15_000

export interface ChildJob<Result> {
  readonly module: URL
  readonly message: unknown
  readonly isResult: (message: unknown) => message is Result
  readonly deadlineMs: number
  readonly what: string
  /** `taskset -c 0`, or nothing. */
  readonly cpuPrefix: readonly string[]
  /** Other messages the child sends before its result. */
  readonly onMessage?: (message: unknown) => void
}

export async function runInChild<Result>(children: ChildRegistry, job: ChildJob<Result>): Promise<Result> {
  const child = children.fork(job.module, [], job.cpuPrefix)
  if (job.onMessage !== undefined) child.on('message', job.onMessage)
  try {
    const result = nextMessage(child, job.isResult, job.deadlineMs, job.what)
    child.send(job.message as object)
    return await result
  } finally {
    await children.stop(child)
  }
}

export function runLoadJob(
  children: ChildRegistry,
  job: LoadJob,
  cpuPrefix: readonly string[],
  onMeasuring?: (message: LoadMeasuring) => void,
): Promise<LoadResult> {
  return runInChild(children, {
    onMessage: (message) => {
      if (isLoadMeasuring(message)) onMeasuring?.(message)
    },
    module: new URL('./load-generator.js', import.meta.url),
    message: job,
    isResult: isLoadResult,
    deadlineMs: job.warmupMs + job.durationMs + job.requestTimeoutMs + slackMs,
    what: 'load generator',
    cpuPrefix,
  })
}
