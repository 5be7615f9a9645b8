// What run.ts asks the load generator to do, and what it answers: the IPC contract between the two processes.
import type { MockStreamShape } from './chat-request.js'
import type { LatencySummary } from './percentiles.js'

export type LoadMode =
  /** Closed loop: `connections` workers, each sends its next request when the last one ends. */
  | { readonly kind: 'closed' }
  /** Open loop: requests start on a fixed schedule, whether or not earlier ones have finished. */
  | { readonly kind: 'open'; readonly ratePerS: number }

export interface LoadJob {
  readonly type: 'job'
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly path: string
  readonly stream: boolean
  /** Streams only: chunk count and gap the mock upstream uses for these requests. */
  readonly mockStream?: MockStreamShape
  readonly mode: LoadMode
  readonly connections: number
  readonly warmupMs: number
  readonly durationMs: number
  /** Per-request limit on waiting for headers and between body chunks. */
  readonly requestTimeoutMs: number
}

export interface LoadResult {
  readonly type: 'result'
  /** Requests started in the measured window that ended well (2xx, and a stream ended by `[DONE]`). */
  readonly ok: number
  readonly errors: number
  /** Every request that ended during the job, warm-up included. */
  readonly handled: number
  /** Requests that ended after the warm-up: the divisor for the target's CPU time, which is counted from then on. */
  readonly handledMeasured: number
  /** Up to a few distinct error descriptions, to tell a misconfiguration from a real failure. */
  readonly errorKinds: readonly string[]
  /** Wall time from the start of the measured window until its last request ended. */
  readonly elapsedMs: number
  readonly requestsPerS: number
  /** Dispatch to the first body byte. */
  readonly firstByte: LatencySummary
  /** Dispatch to the end of the body. */
  readonly total: LatencySummary
  /** CPU time the load generator process used in all, to tell its share of the machine from other processes'. */
  readonly generatorCpuMs: number
  /** Open loop only: how late the scheduler started a request at worst (the generator's own limit). */
  readonly maxScheduleLagMs: number | null
}

/** Sent by the load generator when its warm-up ends and the measured window starts. */
export interface LoadMeasuring {
  readonly type: 'measuring'
  /** CPU time the generator used until then, which the runner's window must not count as someone else's. */
  readonly generatorCpuMs: number
}

export function isLoadMeasuring(message: unknown): message is LoadMeasuring {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'measuring'
}

export function isLoadJob(message: unknown): message is LoadJob {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'job'
}

export function isLoadResult(message: unknown): message is LoadResult {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'result'
}
