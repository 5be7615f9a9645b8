// One timed request through an undici dispatcher: status, time to first body byte, time to the end of the body.
import type { Dispatcher } from 'undici'

export interface RequestTiming {
  readonly ok: boolean
  readonly firstByteMs: number
  readonly totalMs: number
  /** Why it was not ok: `status 502`, `no [DONE]`, or an undici error code. */
  readonly error: string | undefined
}

export interface PreparedRequest {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: Buffer
  /** Require the body to end with `data: [DONE]` (a stream cut short by an error event is a failure). */
  readonly expectDone: boolean
}

const doneTail = 'data: [DONE]\n\n'

/** Resolves (never rejects) once the response has ended or failed. `now` is a monotonic clock in ms. */
export function sendRequest(dispatcher: Dispatcher, request: PreparedRequest, now: () => number): Promise<RequestTiming> {
  return new Promise((resolve) => {
    const startedAt = now()
    let status = 0
    let firstByteAt = -1
    // Only the last few bytes are kept: enough to see `[DONE]` without buffering whole streams.
    let tail = ''
    dispatcher.dispatch(
      { method: 'POST', path: request.path, headers: request.headers, body: request.body },
      {
        // undici 7 takes a handler for its controller-based API only if it has onRequestStart.
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode
        },
        onResponseData(_controller, chunk) {
          if (firstByteAt < 0) firstByteAt = now()
          if (!request.expectDone) return
          tail =
            chunk.length >= doneTail.length
              ? chunk.toString('latin1', chunk.length - doneTail.length)
              : (tail + chunk.toString('latin1')).slice(-doneTail.length)
        },
        onResponseEnd() {
          const endedAt = now()
          let error: string | undefined
          if (status < 200 || status > 299) error = `status ${status}`
          else if (request.expectDone && tail !== doneTail) error = 'stream ended without [DONE]'
          resolve({
            ok: error === undefined,
            firstByteMs: (firstByteAt < 0 ? endedAt : firstByteAt) - startedAt,
            totalMs: endedAt - startedAt,
            error,
          })
        },
        onResponseError(_controller, error) {
          const elapsed = now() - startedAt
          const code = (error as { code?: unknown }).code
          resolve({ ok: false, firstByteMs: elapsed, totalMs: elapsed, error: typeof code === 'string' ? code : error.message })
        },
      },
    )
  })
}
