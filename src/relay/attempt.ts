// One attempt against one upstream: holds the response until its commit point, then relays it.
// Before the commit point a failure is reported back so the relay can fail over; after it, a failure
// ends the client's response visibly (an SSE error event, or a cut connection) and never cleanly.
import type { ServerResponse } from 'node:http'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { AttemptControl, ProviderAdapter, ResponseSink, UpstreamRequest } from '../providers/provider-adapter.js'
import { classifyEvent } from '../streaming/commit-point.js'
import { SseParser, type SseEvent } from '../streaming/sse-parser.js'
import { lastEventBoundary } from '../streaming/event-boundary.js'
import { StreamTap } from '../streaming/stream-tap.js'
import { withoutUsageOnlyEvents } from '../streaming/usage-events.js'
import { ResponseCapture, type CapturedResponse } from './response-capture.js'
import type { Clock, TimerHandle } from '../time/clock.js'
import { AttemptDeadlines, type DeadlineSettings } from './attempt-deadlines.js'
import { chunkOf, lastChunk, takeOverChunking } from '../http/chunked-coding.js'
import { clientResponseHeaders, headerOf } from './client-response-headers.js'
import { statusFailsOver } from './failover-policy.js'
import { interruptedStreamError } from './failure-answer.js'

/** Role-only and empty chunks held before the commit point, at most. */
export const maxHeldBytes = 16 * 1024
/** How long an upstream may keep a stream open after `[DONE]` before its connection is closed. */
const afterDoneGraceMs = 1_000
/** An error body kept for the final answer, at most. */
const maxErrorBodyBytes = 64 * 1024

/** An upstream's complete non-2xx answer, kept in case it becomes the client's answer. */
export interface UpstreamAnswer {
  readonly status: number
  readonly headers: readonly string[]
  readonly body: Buffer
}

export type AttemptResult =
  /** The response reached the client; `error` is set when it failed after the commit point. */
  | {
      readonly kind: 'committed'
      readonly status: number
      readonly error: GatewayError | undefined
      readonly firstByteMs: number
      /** Usage and text read from the answer as it passed, for records. */
      readonly captured: CapturedResponse
    }
  | { readonly kind: 'failed'; readonly error: GatewayError; readonly answer: UpstreamAnswer | undefined }

export interface AttemptOptions {
  readonly request: UpstreamRequest
  readonly upstream: UpstreamConfig
  readonly adapter: ProviderAdapter
  readonly res: ServerResponse
  readonly deadlines: DeadlineSettings
  readonly clock: Clock
  /** Ask the client to close its connection (the gateway is draining). */
  readonly closeConnection: boolean
  /** The gateway asked the upstream for stream usage the client did not ask for: drop the usage-only chunk. */
  readonly stripUsageChunk: boolean
  /** Called at the commit point (for the debug log); unset when nothing listens. */
  readonly onCommit?: () => void
}

type Mode = 'awaiting' | 'direct' | 'sse' | 'error-body'

export class Attempt implements ResponseSink {
  readonly result: Promise<AttemptResult>
  readonly #options: AttemptOptions
  readonly #deadlines: AttemptDeadlines
  readonly #startedAt: number
  #resolve!: (result: AttemptResult) => void
  #control: AttemptControl | undefined
  #mode: Mode = 'awaiting'
  #status = 0
  #headers: string[] = []
  #committed = false
  #firstByteMs = 0
  #settled = false
  // Stream state before the commit point.
  #parser: SseParser | undefined
  #held: Buffer[] = []
  #heldBytes = 0
  #sawVisible = false
  #sawDone = false
  #tap: StreamTap | undefined
  #usageOnlyPending = false
  #afterDone: TimerHandle | undefined
  #capture: ResponseCapture | undefined
  /** After the commit point: the bytes of an event not yet complete. */
  #tail: Buffer | undefined
  /** A stream whose chunked coding the attempt writes itself (see takeOverChunking). */
  #chunking = false
  // Error-body state.
  #errorBody: Buffer[] = []
  #errorBytes = 0

  constructor(options: AttemptOptions) {
    this.#options = options
    this.#startedAt = options.clock.now()
    this.result = new Promise((resolve) => {
      this.#resolve = resolve
    })
    this.#deadlines = new AttemptDeadlines(options.clock, options.deadlines, options.upstream.name, (error) => this.abort(error))
  }

  start(): void {
    this.#deadlines.start()
    try {
      this.#control = this.#options.adapter.send(this.#options.request, this.#options.upstream, this)
    } catch (error) {
      this.onResponseError(
        error instanceof GatewayError ? error : new GatewayError('upstream_error', `upstream ${this.#options.upstream.name}: ${String(error)}`, { cause: error }),
      )
    }
  }

  abort(error: GatewayError): void {
    if (this.#settled) return
    if (this.#control === undefined) this.onResponseError(error)
    else this.#control.abort(error)
  }

  get committed(): boolean {
    return this.#committed
  }

  onResponseStart(status: number, headers: string[]): void {
    this.#status = status
    this.#headers = headers
    if (statusFailsOver(status)) {
      this.#mode = 'error-body'
    } else if (status >= 200 && status < 300 && headerOf(headers, 'content-type')?.startsWith('text/event-stream') === true) {
      this.#mode = 'sse'
      this.#tap = new StreamTap()
      this.#parser = new SseParser((event) => this.#onEvent(event))
    } else {
      this.#mode = 'direct'
      if (status >= 200 && status < 300) this.#capture = new ResponseCapture()
    }
  }

  onResponseData(chunk: Buffer): boolean {
    if (this.#settled) return false
    this.#deadlines.touch()
    switch (this.#mode) {
      case 'direct':
        if (!this.#committed) this.#commit()
        this.#capture?.push(chunk)
        return this.#write(chunk)
      case 'sse': {
        // Before the commit point every event is parsed (to find that point); after it, events are read from
        // the bytes being forwarded.
        if (!this.#committed) this.#parser?.push(chunk)
        const more = this.#committed ? this.#writeEvents(chunk, true) : this.#hold(chunk)
        if (this.#sawDone && this.#committed) {
          this.#finishAfterDone()
          return true
        }
        return more
      }
      case 'error-body':
        if (this.#errorBytes < maxErrorBodyBytes) {
          this.#errorBody.push(chunk)
          this.#errorBytes += chunk.length
        }
        return true
      case 'awaiting':
        return true
    }
  }

  onResponseEnd(): void {
    this.#clearAfterDone()
    if (this.#settled) return
    this.#deadlines.stop()
    switch (this.#mode) {
      case 'error-body':
        this.#fail(
          new GatewayError('upstream_status', `upstream ${this.#options.upstream.name} answered ${this.#status}`, { status: this.#status }),
          { status: this.#status, headers: this.#headers, body: Buffer.concat(this.#errorBody, this.#errorBytes) },
        )
        return
      case 'sse':
        if (!this.#committed) {
          if (!this.#sawDone) {
            this.#fail(new GatewayError('upstream_truncated', `upstream ${this.#options.upstream.name} ended its stream before sending anything`), undefined)
            return
          }
          this.#commit()
          this.#writeHeld()
        }
        if (this.#tail !== undefined) this.#write(this.#tail)
        break
      case 'direct':
      case 'awaiting':
        if (!this.#committed) this.#commit()
        break
    }
    this.#end()
    this.#settle({ kind: 'committed', status: this.#status, error: undefined, firstByteMs: this.#firstByteMs, captured: this.#captured() })
  }

  onResponseError(error: GatewayError): void {
    this.#clearAfterDone()
    if (this.#settled) return
    this.#deadlines.stop()
    if (!this.#committed) {
      this.#fail(error, undefined)
      return
    }
    const res = this.#options.res
    if (!res.destroyed) {
      if (this.#mode === 'sse') {
        // An explicit error event and no [DONE]: the client must not mistake a cut stream for a complete one.
        const event = Buffer.from(`data: ${interruptedStreamError(error).toBody()}\n\n`)
        if (this.#chunking) res.end(Buffer.concat([chunkOf(event), lastChunk]))
        else res.end(event)
      } else {
        // A plain body cannot carry an error after it started: cut the connection so the client sees a failure.
        res.destroy(error)
      }
    }
    this.#settle({ kind: 'committed', status: this.#status, error, firstByteMs: this.#firstByteMs, captured: this.#captured() })
  }

  /**
   * `[DONE]` is the end of the answer: the client gets its whole response now, even from an upstream that
   * keeps its connection open afterwards. The upstream normally ends at once (and its connection is
   * reused); one that does not is let go after a moment.
   */
  #finishAfterDone(): void {
    if (this.#tail !== undefined) {
      this.#write(this.#tail)
      this.#tail = undefined
    }
    this.#end()
    this.#settle({ kind: 'committed', status: this.#status, error: undefined, firstByteMs: this.#firstByteMs, captured: this.#captured() })
    this.#afterDone = this.#options.clock.setTimeout(() => {
      this.#afterDone = undefined
      this.#control?.abort(new GatewayError('upstream_error', 'the upstream kept its stream open after [DONE]'))
    }, afterDoneGraceMs)
  }

  #clearAfterDone(): void {
    if (this.#afterDone === undefined) return
    this.#options.clock.clearTimeout(this.#afterDone)
    this.#afterDone = undefined
  }

  #captured(): CapturedResponse {
    if (this.#tap !== undefined) return { usage: this.#tap.usage, text: this.#tap.text }
    return this.#capture?.finish() ?? { usage: undefined, text: undefined }
  }

  #hold(chunk: Buffer): boolean {
    this.#held.push(chunk)
    this.#heldBytes += chunk.length
    if (this.#sawVisible || this.#sawDone || this.#heldBytes > maxHeldBytes) {
      this.#commit()
      return this.#writeHeld()
    }
    return true
  }

  /** An event before the commit point (the parser stops at it). */
  #onEvent(event: SseEvent): void {
    if (this.#tap?.onEvent(event) === true) this.#usageOnlyPending = true
    const visibility = classifyEvent(event)
    if (visibility === 'visible') this.#sawVisible = true
    else if (visibility === 'done') this.#sawDone = true
  }

  #writeHeld(): boolean {
    const held = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held, this.#heldBytes)
    this.#held = []
    this.#heldBytes = 0
    // The parser has read every whole event held; an unfinished last one is read from bytes once complete.
    return this.#writeEvents(held, false)
  }

  /**
   * Forward whole events only, so an error event after a failure never lands inside a half-sent one.
   * `unread`: these bytes have not been through the parser, so the tap reads their events here.
   */
  #writeEvents(chunk: Buffer, unread: boolean): boolean {
    let data = chunk
    if (this.#tail !== undefined) {
      data = Buffer.concat([this.#tail, chunk])
      this.#tail = undefined
    }
    const boundary = lastEventBoundary(data)
    if (boundary < data.length) {
      this.#tail = data.subarray(boundary)
      if (boundary === 0) return true
      data = data.subarray(0, boundary)
    }
    if (unread && this.#tap !== undefined) {
      const seen = this.#tap.onEventBytes(data)
      if (seen.done) this.#sawDone = true
      if (seen.usageOnly) this.#usageOnlyPending = true
    }
    if (this.#usageOnlyPending && this.#options.stripUsageChunk) {
      this.#usageOnlyPending = false
      data = withoutUsageOnlyEvents(data)
      if (data.length === 0) return true
    }
    return this.#write(data)
  }

  #write(chunk: Buffer): boolean {
    const res = this.#options.res
    if (res.destroyed) return false
    if (chunk.length === 0) return true // an empty chunk would end a chunked body
    const ok = res.write(this.#chunking ? chunkOf(chunk) : chunk)
    if (!ok) {
      this.#deadlines.pause()
      res.once('drain', this.#onDrain)
    }
    return ok
  }

  readonly #onDrain = (): void => {
    this.#deadlines.resume()
    this.#control?.resume()
  }

  #commit(): void {
    this.#committed = true
    this.#firstByteMs = this.#options.clock.now() - this.#startedAt
    const { res, request, closeConnection } = this.#options
    res.writeHead(this.#status, clientResponseHeaders(this.#headers, request.requestId, closeConnection))
    if (this.#mode === 'sse') {
      this.#chunking = takeOverChunking(res)
      // Past the commit point events are read from the bytes: the parser (and its decoder) can go.
      this.#parser = undefined
    }
    this.#options.onCommit?.()
  }

  #end(): void {
    if (this.#chunking) this.#options.res.end(lastChunk)
    else this.#options.res.end()
  }

  #fail(error: GatewayError, answer: UpstreamAnswer | undefined): void {
    this.#settle({ kind: 'failed', error, answer })
  }

  #settle(result: AttemptResult): void {
    if (this.#settled) return
    this.#settled = true
    this.#deadlines.stop()
    this.#resolve(result)
  }
}
