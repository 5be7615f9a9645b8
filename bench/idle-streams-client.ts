// In its own process: opens N streams whose upstream sends one chunk and then stays silent, holds them until told
// to close, so that the runner can read the proxy's memory with all of them open.
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { Pool } from 'undici'
import { chatRequestBody } from './chat-request.js'

export interface IdleOpen {
  readonly type: 'idle-open'
  readonly origin: string
  readonly path: string
  readonly count: number
  /** The mock's wait after the first chunk: longer than the scenario, so the streams stay open until closed. */
  readonly holdMs: number
  /** Streams that have not shown their first chunk by then are counted as failed. */
  readonly openDeadlineMs: number
}

export interface IdleOpened {
  readonly type: 'idle-opened'
  /** Streams whose first chunk arrived. */
  readonly opened: number
  readonly failed: number
  readonly errors: readonly string[]
  /** From the first request to the last first chunk (or the deadline). */
  readonly openMs: number
}

export interface IdleClosed {
  readonly type: 'idle-closed'
}

export function isIdleOpened(message: unknown): message is IdleOpened {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'idle-opened'
}

export function isIdleClosed(message: unknown): message is IdleClosed {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'idle-closed'
}

function openStreams(job: IdleOpen): { pool: Pool; opened: Promise<IdleOpened> } {
  const pool = new Pool(job.origin, {
    connections: job.count,
    headersTimeout: job.openDeadlineMs,
    bodyTimeout: 0,
    keepAliveTimeout: 60_000,
  })
  const body = chatRequestBody(true, { chunks: 2, chunkGapMs: job.holdMs })
  const started = performance.now()
  let opened = 0
  let failed = 0
  let closing = false
  const errors = new Set<string>()
  const result = new Promise<IdleOpened>((resolve) => {
    const answer = (): void => {
      clearTimeout(timer)
      resolve({ type: 'idle-opened', opened, failed, errors: [...errors].slice(0, 5), openMs: performance.now() - started })
    }
    const timer = setTimeout(answer, job.openDeadlineMs)
    const settled = (): void => {
      if (opened + failed === job.count) answer()
    }
    for (let i = 0; i < job.count; i++) {
      let seen = false
      pool.dispatch(
        { method: 'POST', path: job.path, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body },
        {
          onRequestStart() {},
          onResponseStart(_controller, statusCode) {
            if (statusCode === 200) return
            errors.add(`status ${statusCode}`)
          },
          onResponseData() {
            if (seen) return
            seen = true
            opened++
            settled()
          },
          onResponseEnd() {
            if (seen) return
            seen = true
            failed++
            errors.add('ended before its first chunk')
            settled()
          },
          onResponseError(_controller, error) {
            if (closing || seen) return
            seen = true
            failed++
            errors.add((error as { code?: string }).code ?? error.message)
            settled()
          },
        },
      )
    }
  })
  return {
    pool,
    opened: result.then((r) => {
      closing = true
      return r
    }),
  }
}

// Started as a process (not imported): open on 'idle-open', close on 'idle-close', exit with the parent.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let pool: Pool | undefined
  process.on('disconnect', () => process.exit(0))
  process.on('message', (message: unknown) => {
    const type = (message as { type?: unknown } | null)?.type
    if (type === 'idle-open' && pool === undefined) {
      const run = openStreams(message as IdleOpen)
      pool = run.pool
      void run.opened.then((opened) => process.send?.(opened))
    } else if (type === 'idle-close') {
      // Destroying the pool resets every connection: the proxies see each client go away.
      void (pool?.destroy() ?? Promise.resolve()).then(() =>
        process.send?.({ type: 'idle-closed' } satisfies IdleClosed, () => process.exit(0)),
      )
    }
  })
}
