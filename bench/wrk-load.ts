// Closed-loop non-stream load with wrk (C, one thread): the saturate scenario's generator, cheaper per request than
// any Node client, so that the core it shares with the mock is not what limits nginx.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChildExitedError, DeadlineError, type ChildRegistry } from './child-registry.js'
import type { LoadResult } from './load-job.js'
import type { LatencySummary } from './percentiles.js'

export interface WrkJob {
  readonly wrk: string
  readonly cpuPrefix: readonly string[]
  readonly origin: string
  readonly path: string
  readonly body: Buffer
  readonly connections: number
  /** wrk takes whole seconds: this is rounded up, and at least 1. */
  readonly durationS: number
  readonly requestTimeoutS: number
  /** Where the Lua script is written. */
  readonly workDir: string
}

/** What the script's done() prints: wrk's counters and latency percentiles, in microseconds. */
export interface WrkSummary {
  readonly requests: number
  readonly durationUs: number
  readonly connectErrors: number
  readonly readErrors: number
  readonly writeErrors: number
  readonly statusErrors: number
  readonly timeouts: number
  readonly p50Us: number
  readonly p99Us: number
  readonly meanUs: number
  readonly maxUs: number
}

const resultMarker = 'BENCH_WRK '
const slackMs = 20_000

/** The request as a Lua script; done() prints one line of JSON that parseWrkOutput reads. */
export function wrkScript(path: string, body: Buffer): string {
  const text = body.toString('utf8')
  if (text.includes(']==]')) throw new Error('request body cannot be a Lua long string')
  return `wrk.method = "POST"
wrk.path = "${path}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.body = [==[${text}]==]

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${resultMarker}{"requests":%.0f,"durationUs":%.0f,"connectErrors":%.0f,"readErrors":%.0f,"writeErrors":%.0f,"statusErrors":%.0f,"timeouts":%.0f,"p50Us":%.1f,"p99Us":%.1f,"meanUs":%.1f,"maxUs":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
`
}

export function parseWrkOutput(stdout: string): WrkSummary | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(resultMarker))
  return line === undefined ? undefined : (JSON.parse(line.slice(resultMarker.length)) as WrkSummary)
}

export function wrkResult(summary: WrkSummary): LoadResult {
  const errors = summary.connectErrors + summary.readErrors + summary.writeErrors + summary.statusErrors + summary.timeouts
  // wrk counts a non-2xx/3xx answer as a request and as a status error; failed connections are not requests.
  const ok = Math.max(0, summary.requests - summary.statusErrors)
  const elapsedMs = summary.durationUs / 1000
  const latency: LatencySummary = {
    count: summary.requests,
    p50Ms: summary.p50Us / 1000,
    p99Ms: summary.p99Us / 1000,
    meanMs: summary.meanUs / 1000,
    maxMs: summary.maxUs / 1000,
  }
  const kinds = [
    [summary.statusErrors, 'non-2xx status'],
    [summary.connectErrors, 'connect'],
    [summary.readErrors, 'read'],
    [summary.writeErrors, 'write'],
    [summary.timeouts, 'timeout'],
  ] as const
  return {
    type: 'result',
    ok,
    errors,
    handled: summary.requests,
    // wrk's measured run is a run of its own, after a separate warm-up run.
    handledMeasured: summary.requests,
    errorKinds: kinds.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`),
    elapsedMs,
    requestsPerS: (ok * 1000) / Math.max(1, elapsedMs),
    // wrk measures whole requests only: for a non-stream answer the first byte is about the last.
    firstByte: { count: 0, p50Ms: null, p99Ms: null, meanMs: null, maxMs: null },
    total: latency,
    generatorCpuMs: 0, // measured by the runner (cutime), since wrk is a separate program
    maxScheduleLagMs: null,
  }
}

export async function runWrk(children: ChildRegistry, job: WrkJob): Promise<LoadResult> {
  const script = join(job.workDir, 'wrk-chat.lua')
  writeFileSync(script, wrkScript(job.path, job.body))
  const seconds = Math.max(1, Math.ceil(job.durationS))
  const args = [
    '-t1',
    `-c${job.connections}`,
    `-d${seconds}s`,
    '--timeout',
    `${Math.ceil(job.requestTimeoutS)}s`,
    '-s',
    script,
    `${job.origin}${job.path}`,
  ]
  const [command, ...prefixArgs] = job.cpuPrefix
  const child = children.spawn(command ?? job.wrk, command === undefined ? args : [...prefixArgs, job.wrk, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)))
  const exit = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL')
        reject(new DeadlineError(`wrk did not finish within ${seconds * 1000 + slackMs} ms`))
      },
      seconds * 1000 + slackMs,
    )
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
  const summary = parseWrkOutput(stdout)
  if (exit !== 0 || summary === undefined)
    throw new ChildExitedError(`wrk exited with ${exit} and no result: ${stderr.trim() || stdout.trim()}`)
  return wrkResult(summary)
}
