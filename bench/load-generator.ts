// The load generator, in its own process: an undici Pool runs one LoadJob and answers a LoadResult over IPC.
import { performance } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { Pool } from 'undici'
import { chatRequestBody } from './chat-request.js'
import { isLoadJob, type LoadJob, type LoadMeasuring, type LoadResult } from './load-job.js'
import { summarizeLatencies } from './percentiles.js'
import { sendRequest, type PreparedRequest, type RequestTiming } from './send-request.js'

type Now = () => number

class Recorder {
  readonly firstByteMs: number[] = []
  readonly totalMs: number[] = []
  readonly errorKinds = new Set<string>()
  errors = 0
  /** Set from outside: it counts warm-up requests too, which `add` never sees. */
  handled = 0
  /** Requests that ended after the warm-up, wherever they started. */
  handledMeasured = 0
  lastEndAt = 0

  add(timing: RequestTiming, startedAt: number): void {
    this.lastEndAt = Math.max(this.lastEndAt, startedAt + timing.totalMs)
    if (timing.ok) {
      this.firstByteMs.push(timing.firstByteMs)
      this.totalMs.push(timing.totalMs)
    } else {
      this.errors++
      if (this.errorKinds.size < 5 && timing.error !== undefined) this.errorKinds.add(timing.error)
    }
  }
}

/** Only requests started after the warm-up are measured; all of them count in `handled`. */
export async function runLoad(job: LoadJob, now: Now = () => performance.now()): Promise<LoadResult> {
  const pool = new Pool(job.origin, {
    connections: job.connections,
    pipelining: 1,
    headersTimeout: job.requestTimeoutMs,
    bodyTimeout: job.requestTimeoutMs,
    keepAliveTimeout: 60_000,
  })
  const request: PreparedRequest = {
    path: job.path,
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: chatRequestBody(job.stream, job.mockStream),
    expectDone: job.stream,
  }
  const recorder = new Recorder()
  const t0 = now()
  const measureFrom = t0 + job.warmupMs
  const stopAt = measureFrom + job.durationMs
  const send = (): Promise<void> => {
    const startedAt = now()
    return sendRequest(pool, request, now).then((timing) => {
      recorder.handled++
      if (now() >= measureFrom) recorder.handledMeasured++
      if (startedAt >= measureFrom) recorder.add(timing, startedAt)
    })
  }
  // The runner counts the target's CPU from here on, so a fresh target's JIT warm-up is not in the figures.
  const measuring = setTimeout(
    () => {
      const cpu = process.cpuUsage()
      process.send?.({ type: 'measuring', generatorCpuMs: (cpu.user + cpu.system) / 1000 } satisfies LoadMeasuring)
    },
    Math.max(0, measureFrom - now()),
  )
  let maxScheduleLagMs: number | null = null
  let pending: Promise<unknown>
  switch (job.mode.kind) {
    case 'closed':
      pending = runClosedLoop(job.connections, stopAt, send, now, closedLoopSpreadMs(job))
      await delay(Math.max(0, stopAt - now()))
      break
    case 'open': {
      const open = await runOpenLoop({ t0, measureFrom, stopAt, intervalMs: 1000 / job.mode.ratePerS, send, now })
      maxScheduleLagMs = open.maxLagMs
      pending = open.inFlight
      break
    }
  }
  // Requests still running after the window get one request timeout to finish, then are cut off (counted as errors).
  await settleWithin(pending, job.requestTimeoutMs)
  clearTimeout(measuring)
  await pool.destroy()
  await pending
  // The whole process's CPU, start-up included: it runs this one job only.
  const cpu = process.cpuUsage()
  const elapsedMs = Math.max(1, recorder.lastEndAt - measureFrom)
  return {
    type: 'result',
    ok: recorder.totalMs.length,
    errors: recorder.errors,
    handled: recorder.handled,
    handledMeasured: recorder.handledMeasured,
    errorKinds: [...recorder.errorKinds],
    elapsedMs,
    requestsPerS: (recorder.totalMs.length * 1000) / elapsedMs,
    firstByte: summarizeLatencies(recorder.firstByteMs),
    total: summarizeLatencies(recorder.totalMs),
    generatorCpuMs: (cpu.user + cpu.system) / 1000,
    maxScheduleLagMs,
  }
}

/**
 * Streams last `chunks x gap` each. Started all at once, every stream would stay in step with every other: all
 * first bytes due in the same millisecond, then every chunk of every stream arriving together, each 20 ms, for
 * the whole run. Real clients do not move in step, so workers start spread evenly over one stream's length; the
 * warm-up (longer than that) lets them settle before anything is measured. Non-stream requests start at once.
 */
export function closedLoopSpreadMs(job: Pick<LoadJob, 'stream' | 'mockStream' | 'warmupMs'>): number {
  if (!job.stream || job.mockStream === undefined) return 0
  return Math.min(job.mockStream.chunks * job.mockStream.chunkGapMs, job.warmupMs)
}

function runClosedLoop(workers: number, stopAt: number, send: () => Promise<void>, now: Now, spreadMs: number): Promise<unknown> {
  const worker = async (index: number): Promise<void> => {
    if (spreadMs > 0) await delay((index * spreadMs) / workers)
    while (now() < stopAt) await send()
  }
  return Promise.all(Array.from({ length: workers }, (_, index) => worker(index)))
}

interface OpenLoopOptions {
  readonly t0: number
  readonly measureFrom: number
  readonly stopAt: number
  readonly intervalMs: number
  readonly send: () => Promise<void>
  readonly now: Now
}

/** Starts request i at t0 + i * interval until stopAt; resolves when the last one has been started. */
function runOpenLoop(o: OpenLoopOptions): Promise<{ maxLagMs: number; inFlight: Promise<unknown> }> {
  const started: Promise<void>[] = []
  let maxLagMs = 0
  let i = 0
  return new Promise((resolve) => {
    const tick = (): void => {
      const t = o.now()
      for (let at = o.t0 + i * o.intervalMs; at <= t; at = o.t0 + i * o.intervalMs) {
        if (at >= o.stopAt) {
          resolve({ maxLagMs, inFlight: Promise.all(started) })
          return
        }
        if (at >= o.measureFrom) maxLagMs = Math.max(maxLagMs, t - at)
        started.push(o.send())
        i++
      }
      setTimeout(tick, Math.max(0, o.t0 + i * o.intervalMs - o.now()))
    }
    tick()
  })
}

function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

// Started as a process (not imported): take one job, answer, exit.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.on('disconnect', () => process.exit(0))
  process.on('message', (message: unknown) => {
    if (!isLoadJob(message)) return
    runLoad(message).then(
      (result) => process.send?.(result, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`load-generator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
        process.exit(1)
      },
    )
  })
}
