// One attempt against one upstream: holds the response until its commit point, then relays it.
// Before the commit point a failure is reported back so the relay can fail over; after it, a failure
// ends the client's response visibly (an SSE error event, or a cut connection) and never cleanly.
import type { ServerResponse } from 'node:http'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { internalError } from '../errors/internal-error.js'
import type { AttemptControl, ProviderAdapter, ResponseSink, UpstreamRequest } from '../providers/provider-adapter.js'
import { SseParser, type SseEvent } from '../streaming/sse-parser.js'
import { EventFramer } from '../streaming/event-framer.js'
import { StreamTap } from '../streaming/stream-tap.js'
import { classifyEventAs, type StreamDialect } from '../streaming/stream-dialect.js'
import { withoutUsageOnlyEvents } from '../streaming/usage-events.js'
import { ResponseCapture, type CapturedResponse } from '../tokens/response-capture.js'
import type { Clock, TimerHandle } from '../time/clock.js'
import { AttemptDeadlines, type DeadlineSettings } from './attempt-deadlines.js'
import { chunkOf, lastChunk, takeOverChunking } from '../wire/chunked-coding.js'
import { clientResponseHeaders, headerOf } from './client-response-headers.js'
import { statusFailsOver } from './failover-policy.js'
import { interruptedStreamErrorBody } from './failure-answer.js'
import { commitsAtBodyEnd } from './body-commit-point.js'
import { GuardedSink } from './guarded-sink.js'
import { HeldBody } from './held-body.js'
import { decodedContent } from './decoded-content.js'
import { RedactingBody, withBodyChange, type BodyChange } from './redacting-body.js'
import { redactorFor, type SecretRedactor } from '../secrets/secret-redactor.js'

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
  /** Which commit rule a stream answer follows (chosen from the request's path). */
  readonly dialect: StreamDialect
  /** Called at the commit point (for the debug log); unset when nothing listens. */
  readonly onCommit?: () => void
}

/**
 * `direct`: a 2xx body, relayed byte for byte; `whole`: the same, but held until its end first (a JSON answer to a
 * non-stream request, see body-commit-point.ts); `redacted`: any other body the client gets, searched for the
 * upstream's secrets; `error-body`: an answer that fails over, kept in case it becomes the final one.
 */
type Mode = 'awaiting' | 'direct' | 'whole' | 'redacted' | 'sse' | 'error-body'

export class Attempt implements ResponseSink {
  readonly result: Promise<AttemptResult>
  readonly #options: AttemptOptions
  readonly #deadlines: AttemptDeadlines
  readonly #startedAt: number
  readonly #redactor: SecretRedactor
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
  /** After the commit point: cuts the bytes into whole events. */
  #framer: EventFramer | undefined
  #body: RedactingBody | undefined
  /** A `whole` body until its end or max_held_body. */
  #wholeBody: HeldBody | undefined
  /** A stream whose chunked coding the attempt writes itself (see takeOverChunking). */
  #chunking = false
  // Error-body state.
  #errorBody: Buffer[] = []
  #errorBytes = 0

  constructor(options: AttemptOptions) {
    this.#options = options
    this.#startedAt = options.clock.now()
    this.#redactor = redactorFor(options.upstream, headerText(options.request.headers['authorization']))
    this.result = new Promise((resolve) => {
      this.#resolve = resolve
    })
    this.#deadlines = new AttemptDeadlines(options.clock, options.deadlines, options.upstream.name, (error) => this.abort(error))
  }

  start(): void {
    this.#deadlines.start()
    try {
      this.#control = this.#options.adapter.send(this.#options.request, this.#options.upstream, new GuardedSink(this, this.#onBug))
    } catch (error) {
      // An adapter reports the upstream's failures through the sink; one that throws has a bug of the gateway's own.
      this.onResponseError(error instanceof GatewayError ? error : internalError(error))
    }
  }

  abort(error: GatewayError): void {
    if (this.#settled) return
    try {
      if (this.#control === undefined) this.onResponseError(error)
      else this.#control.abort(error)
    } catch (bug) {
      this.#onBug(bug)
    }
  }

  /**
   * The gateway's own exception while handling this attempt: it ends as internal_error (never failed over, never
   * the upstream's failure) and the upstream request is stopped. Called from callbacks nobody else would catch.
   */
  readonly #onBug = (bug: unknown): void => {
    const error = internalError(bug)
    try {
      this.onResponseError(error)
    } catch {
      // Its error path failed too: the relay still gets its result, and a response under way is cut.
      if (this.#committed) this.#options.res.destroy()
      this.#settle({ kind: 'failed', error, answer: undefined })
    }
    try {
      this.#control?.abort(error)
    } catch {
      // The adapter cannot even stop: its request ends on its own deadline or the upstream's.
    }
  }

  get committed(): boolean {
    return this.#committed
  }

  onResponseStart(status: number, headers: string[]): void {
    this.#status = status
    this.#headers = headers
    if (statusFailsOver(status)) {
      this.#mode = 'error-body'
    } else if (status >= 200 && status < 300 && isEventStream(headerOf(headers, 'content-type'))) {
      this.#mode = 'sse'
      this.#tap = new StreamTap()
      this.#parser = new SseParser((event) => this.#onEvent(event), { maxEventBytes: this.#options.upstream.maxEventBytes })
      this.#framer = new EventFramer(this.#options.upstream.maxEventBytes)
    } else if (status >= 200 && status < 300) {
      this.#capture = new ResponseCapture()
      if (commitsAtBodyEnd(this.#options.request.stream, headerOf(headers, 'content-type'))) {
        this.#mode = 'whole'
        this.#wholeBody = new HeldBody(this.#options.upstream.maxHeldBodyBytes)
      } else {
        this.#mode = 'direct'
      }
    } else {
      this.#mode = 'redacted'
      this.#capture = new ResponseCapture()
      this.#body = new RedactingBody(this.#redactor, headerOf(headers, 'content-encoding'))
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
      case 'whole':
        return this.#relayWhole(chunk)
      case 'redacted':
        return this.#relayRedacted(chunk)
      case 'sse': {
        // Before the commit point every event is parsed (to find that point); after it, events are read from
        // the bytes being forwarded.
        if (!this.#committed && this.#parser?.push(chunk) === false) return this.#eventTooLarge()
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
          // Decoded so the answer's secrets can be cut if it becomes the client's; one that cannot be read is not relayed.
          { status: this.#status, headers: this.#headers, body: decodedContent(Buffer.concat(this.#errorBody, this.#errorBytes), headerOf(this.#headers, 'content-encoding')) ?? Buffer.alloc(0) },
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
        this.#writeRest()
        break
      case 'redacted':
        this.#endRedacted()
        break
      case 'whole':
        // The body arrived whole: only now does the client get any of it.
        if (!this.#committed) this.#commitHeldWhole()
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
        const event = Buffer.from(`data: ${interruptedStreamErrorBody(error, this.#redactor)}\n\n`)
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
    this.#writeRest()
    this.#end()
    this.#settle({ kind: 'committed', status: this.#status, error: undefined, firstByteMs: this.#firstByteMs, captured: this.#captured() })
    this.#afterDone = this.#options.clock.setTimeout(() => {
      this.#afterDone = undefined
      this.#control?.abort(new GatewayError('upstream_bad_response', `upstream ${this.#options.upstream.name} kept its stream open after [DONE]`))
    }, afterDoneGraceMs)
  }

  #clearAfterDone(): void {
    if (this.#afterDone === undefined) return
    this.#options.clock.clearTimeout(this.#afterDone)
    this.#afterDone = undefined
  }

  /** Without the upstream's secrets (or, with `sk: asis`, the client's key): even a 2xx answer may quote them. */
  #captured(): CapturedResponse {
    const captured = this.#tap !== undefined ? { usage: this.#tap.usage, text: this.#tap.text } : (this.#capture?.finish() ?? { usage: undefined, text: undefined })
    return captured.text === undefined ? captured : { usage: captured.usage, text: this.#redactor.redactText(captured.text) }
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
    const visibility = classifyEventAs(this.#options.dialect, event)
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
    let data = this.#framer?.push(chunk)
    if (data === undefined) return this.#eventTooLarge()
    if (data.length === 0) return true
    if (unread && this.#tap !== undefined) {
      const seen = this.#tap.onEventBytes(data)
      if (seen.done) this.#sawDone = true
      if (seen.usageOnly) this.#usageOnlyPending = true
    }
    // The upstream's own error event may quote its key; other events are relayed unsearched.
    if (this.#tap?.takeErrorSeen() === true) data = this.#redactor.redactBytes(data)
    if (this.#usageOnlyPending && this.#options.stripUsageChunk) {
      this.#usageOnlyPending = false
      data = withoutUsageOnlyEvents(data)
      if (data.length === 0) return true
    }
    return this.#write(data)
  }

  /**
   * The bytes of an event the upstream never finished, at the end of its stream. Not read as an event, so not known
   * not to be an error quoting the key: searched whole.
   */
  #writeRest(): void {
    const rest = this.#framer?.takeRest()
    if (rest !== undefined) this.#write(this.#redactor.redactBytes(rest))
  }

  /** An event over max_event_size: the attempt fails (fails over before the commit point, an error event after it). */
  #eventTooLarge(): boolean {
    const limit = this.#options.upstream.maxEventBytes
    this.abort(new GatewayError('upstream_bad_response', `upstream ${this.#options.upstream.name} sent an SSE event larger than max_event_size (${limit} bytes)`))
    return false
  }

  /** A `whole` body: held until its end; past max_held_body it commits and the rest is relayed as it comes. */
  #relayWhole(chunk: Buffer): boolean {
    if (!this.#committed) return (this.#wholeBody as HeldBody).hold(chunk) || this.#commitHeldWhole()
    this.#capture?.push(chunk)
    return this.#write(chunk)
  }

  /** The upstream's headers go unchanged: the held bytes are its body as it sent them. */
  #commitHeldWhole(): boolean {
    this.#commit()
    const held = (this.#wholeBody as HeldBody).take()
    this.#capture?.push(held)
    return this.#write(held)
  }

  /** A non-2xx body: held whole (for its Content-Length) unless it is large, then relayed as it comes; secrets cut. */
  #relayRedacted(chunk: Buffer): boolean {
    const body = this.#body as RedactingBody
    if (body.streaming) return this.#writeRedacted(body.next(chunk))
    if (body.hold(chunk)) return true
    // Past the bound: what was held goes now, and the length is no longer known.
    this.#commit({ contentLength: undefined })
    return this.#writeRedacted(body.next(undefined))
  }

  #endRedacted(): void {
    const body = this.#body as RedactingBody
    if (body.streaming) {
      const rest = body.finish()
      if (rest !== undefined) this.#writeRedacted(rest)
      return
    }
    const { bytes, change } = body.whole(this.#status)
    this.#commit(change)
    this.#writeRedacted(bytes)
  }

  #writeRedacted(bytes: Buffer): boolean {
    this.#capture?.push(bytes)
    return this.#write(bytes)
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

  /** `change`: the body differs from the upstream's (a secret was cut, its coding undone), so its headers are replaced. */
  #commit(change?: BodyChange): void {
    this.#committed = true
    this.#firstByteMs = this.#options.clock.now() - this.#startedAt
    const { res, request, closeConnection } = this.#options
    // Headers are always searched for secrets (they are small); an upstream may echo its key in any of them.
    let headers = this.#redactor.redactHeaders(this.#headers)
    if (change !== undefined) headers = withBodyChange(headers, change)
    res.writeHead(this.#status, clientResponseHeaders(headers, request.requestId, closeConnection))
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

/** Media types are case-insensitive (RFC 9110, 8.3.1): `Text/Event-Stream` is a stream too. */
function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.trimStart().toLowerCase().startsWith('text/event-stream')
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
