// The undici dispatch handler every adapter sends with: the upstream's answer forwarded to a ResponseSink as it
// arrives, its failures turned into typed errors, and the attempt's abort and resume passed back to undici.
import type { Dispatcher } from 'undici'
import type { GatewayError } from '../errors/gateway-error.js'
import { internalError } from '../errors/internal-error.js'
import type { AttemptControl, ResponseSink } from './provider-adapter.js'
import { toUpstreamError } from './upstream-failure.js'

/**
 * An undici dispatch handler in its raw-header form (no per-response header object is built),
 * forwarding to a ResponseSink.
 * The callbacks are undici's legacy ones on purpose: undici 7 calls them itself, and adapts a handler written
 * with the new API (onRequestStart, onResponseStart...) onto them by parsing every response's headers into an object.
 */
export class PassThroughHandler implements Dispatcher.DispatchHandler, AttemptControl {
  readonly #sink: ResponseSink
  readonly #upstreamName: string
  #abortFn: ((reason?: Error) => void) | undefined
  #resumeFn: (() => void) | undefined
  /** An abort asked for before undici handed us its abort function. */
  #pendingAbort: GatewayError | undefined
  #finished = false

  constructor(sink: ResponseSink, upstreamName: string) {
    this.#sink = sink
    this.#upstreamName = upstreamName
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abortFn = abort
    if (this.#pendingAbort !== undefined) abort(this.#pendingAbort)
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.#resumeFn = resume
    const headers: string[] = new Array<string>(rawHeaders.length)
    for (let i = 0; i < rawHeaders.length; i += 2) {
      headers[i] = (rawHeaders[i] as Buffer).toString('latin1').toLowerCase()
      headers[i + 1] = (rawHeaders[i + 1] as Buffer).toString('latin1')
    }
    this.#sink.onResponseStart(statusCode, headers)
    return true
  }

  onData(chunk: Buffer): boolean {
    return this.#sink.onResponseData(chunk)
  }

  onComplete(): void {
    if (this.#finished) return
    this.#finished = true
    try {
      this.#sink.onResponseEnd()
    } catch (error) {
      // undici has nothing left to report it to once the answer is complete: the sink hears of its own bug here.
      this.#sink.onResponseError(internalError(error))
    }
  }

  onError(error: Error): void {
    if (this.#finished) return
    this.#finished = true
    this.#sink.onResponseError(toUpstreamError(error, this.#upstreamName))
  }

  abort(error: GatewayError): void {
    if (this.#finished) return
    if (this.#abortFn !== undefined) {
      this.#abortFn(error)
      return
    }
    // Not connected yet: undici calls onConnect only once a socket is ready, which for a host that drops
    // packets means its connect timeout. End the attempt now; the request is cancelled when undici gets to it.
    this.#pendingAbort = error
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- undici 7 runs the new API through these, plus a header object
    this.onError(error)
  }

  resume(): void {
    this.#resumeFn?.()
  }
}
