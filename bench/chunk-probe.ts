// In its own process: a few paced streams, each read of the body timed and its SSE events counted, to show whether a
// proxy forwards each chunk when it arrives or holds some back and sends them together.
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { Pool } from 'undici'
import { chatRequestBody } from './chat-request.js'
import { percentile, summarizeLatencies, type LatencySummary } from './percentiles.js'

export interface ChunkProbeJob {
  readonly type: 'chunk-probe'
  readonly origin: string
  readonly path: string
  /** Concurrent streams, one per connection. */
  readonly streams: number
  readonly chunks: number
  /** The mock waits this long between chunks. */
  readonly chunkGapMs: number
  readonly requestTimeoutMs: number
}

export interface ChunkProbeResult {
  readonly type: 'chunk-probe-result'
  readonly streams: number
  /** Streams that ended with `data: [DONE]` after all their content events. */
  readonly completeStreams: number
  readonly errors: readonly string[]
  /** Content events (`data: {...}`) received, over all streams. */
  readonly events: number
  /** Reads of the body that completed at least one content event. */
  readonly eventReads: number
  /** Reads that completed two content events or more: chunks the proxy held and sent together. */
  readonly batchedReads: number
  readonly maxEventsPerRead: number
  /** Time between consecutive event reads of a stream; with every chunk forwarded at once, about the mock's gap. */
  readonly gap: LatencySummary & { readonly p1Ms: number | null }
}

/** Counts the complete SSE events each read finishes; a partial event is finished (and counted) by a later read. */
export class EventCounter {
  #pending = ''
  contentEvents = 0
  done = false

  /** The number of content events this read completed. */
  push(text: string): number {
    const parts = (this.#pending + text).split(/\r?\n\r?\n/)
    this.#pending = parts.pop() ?? ''
    let completed = 0
    for (const part of parts) {
      if (part.startsWith('data: [DONE]')) this.done = true
      else if (part.startsWith('data: ')) completed++
    }
    this.contentEvents += completed
    return completed
  }
}

export async function runChunkProbe(job: ChunkProbeJob, now: () => number = () => performance.now()): Promise<ChunkProbeResult> {
  const pool = new Pool(job.origin, { connections: job.streams, headersTimeout: job.requestTimeoutMs, bodyTimeout: job.requestTimeoutMs })
  const body = chatRequestBody(true, { chunks: job.chunks, chunkGapMs: job.chunkGapMs })
  const gaps: number[] = []
  const errors = new Set<string>()
  let events = 0
  let eventReads = 0
  let batchedReads = 0
  let maxEventsPerRead = 0
  let completeStreams = 0
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const counter = new EventCounter()
      let lastEventReadAt: number | undefined
      let status = 0
      pool.dispatch(
        { method: 'POST', path: job.path, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body },
        {
          onRequestStart() {},
          onResponseStart(_controller, statusCode) {
            status = statusCode
          },
          onResponseData(_controller, chunk) {
            const at = now()
            const completed = counter.push(chunk.toString('utf8'))
            if (completed === 0) return
            eventReads++
            if (completed > 1) batchedReads++
            maxEventsPerRead = Math.max(maxEventsPerRead, completed)
            if (lastEventReadAt !== undefined) gaps.push(at - lastEventReadAt)
            lastEventReadAt = at
          },
          onResponseEnd() {
            events += counter.contentEvents
            if (status !== 200) errors.add(`status ${status}`)
            else if (!counter.done || counter.contentEvents !== job.chunks)
              errors.add(`${counter.contentEvents} of ${job.chunks} events, [DONE] ${counter.done ? 'seen' : 'missing'}`)
            else completeStreams++
            resolve()
          },
          onResponseError(_controller, error) {
            events += counter.contentEvents
            errors.add((error as { code?: string }).code ?? error.message)
            resolve()
          },
        },
      )
    })
  await Promise.all(Array.from({ length: job.streams }, one))
  await pool.destroy()
  const sorted = Float64Array.from(gaps).sort()
  return {
    type: 'chunk-probe-result',
    streams: job.streams,
    completeStreams,
    errors: [...errors].slice(0, 5),
    events,
    eventReads,
    batchedReads,
    maxEventsPerRead,
    gap: { ...summarizeLatencies(gaps), p1Ms: percentile(sorted, 1) },
  }
}

export function isChunkProbeJob(message: unknown): message is ChunkProbeJob {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'chunk-probe'
}

export function isChunkProbeResult(message: unknown): message is ChunkProbeResult {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'chunk-probe-result'
}

// Started as a process (not imported): take one job, answer, exit.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.on('disconnect', () => process.exit(0))
  process.on('message', (message: unknown) => {
    if (!isChunkProbeJob(message)) return
    runChunkProbe(message).then(
      (result) => process.send?.(result, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`chunk-probe: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
        process.exit(1)
      },
    )
  })
}
