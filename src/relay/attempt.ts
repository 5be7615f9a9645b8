// One attempt against one upstream: holds the response until its commit point, then relays it.
// Before the commit point a failure is reported back so the relay can fail over; after it, a failure
// ends the client's response visibly (an SSE error event, or a cut connection) and never cleanly.
// This is the core (settling, deadlines, abort, the commit point's bookkeeping); each response mode's body goes
// to its own sink (see body-sink.ts), and everything the client gets is written by one ClientWriter.
import { GatewayError } from '../errors/gateway-error.js'
import { internalError } from '../errors/internal-error.js'
import type { AttemptControl, ResponseSink } from '../providers/provider-adapter.js'
import type { TimerHandle } from '../time/clock.js'
import { AttemptDeadlines } from './attempt-deadlines.js'
import type { AttemptOptions, AttemptResult } from './attempt-options.js'
import type { AttemptContext, BodySink } from './body-sink.js'
import { nothingCaptured } from './body-sink.js'
import { ClientWriter, type ResponseHead } from './client-writer.js'
import { GuardedSink } from './guarded-sink.js'
import type { CapturedResponse } from '../tokens/response-capture.js'
import { bodySinkFor } from './body-sink-for.js'
import { redactorFor, type SecretRedactor } from '../secrets/secret-redactor.js'

export type { UpstreamAnswer } from './body-sink.js'
export type { AttemptOptions, AttemptResult } from './attempt-options.js'
export { maxHeldBytes } from './sse-sink.js'

/** How long an upstream may keep a stream open after `[DONE]` before its connection is closed. */
const afterDoneGraceMs = 1_000

export class Attempt implements ResponseSink, AttemptContext {
  readonly result: Promise<AttemptResult>
  /** Everything the client gets goes through it. */
  readonly writer: ClientWriter
  readonly redactor: SecretRedactor
  readonly #options: AttemptOptions
  readonly #deadlines: AttemptDeadlines
  readonly #startedAt: number
  #resolve!: (result: AttemptResult) => void
  #control: AttemptControl | undefined
  #sink: BodySink | undefined
  #status = 0
  #headers: string[] = []
  #committed = false
  #firstByteMs = 0
  #settled = false
  #afterDone: TimerHandle | undefined

  constructor(options: AttemptOptions) {
    this.#options = options
    this.#startedAt = options.clock.now()
    this.redactor = redactorFor(options.upstream, headerText(options.request.headers['authorization']))
    this.result = new Promise((resolve) => {
      this.#resolve = resolve
    })
    this.#deadlines = new AttemptDeadlines(options.clock, options.deadlines, options.upstream.name, (error) => this.abort(error))
    this.writer = new ClientWriter(options.res, {
      requestId: options.request.requestId,
      closeConnection: options.closeConnection,
      redactor: this.redactor,
      ...(options.extraHeaders === undefined ? {} : { extraHeaders: options.extraHeaders }),
      ...(options.replacedHeaders === undefined ? {} : { replacedHeaders: options.replacedHeaders }),
      onBlocked: () => this.#deadlines.pause(),
      onDrained: this.#guarded(() => {
        this.#deadlines.resume()
        this.#control?.resume()
      }),
    })
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

  get committed(): boolean {
    return this.#committed
  }

  onResponseStart(status: number, headers: string[]): void {
    this.#status = status
    this.#headers = headers
    this.#sink = bodySinkFor(this, status, headers, this.#options)
  }

  onResponseData(chunk: Buffer): boolean {
    if (this.#settled) return false
    this.#deadlines.touch()
    return this.#sink?.push(chunk) ?? true
  }

  onResponseEnd(): void {
    this.#clearAfterDone()
    if (this.#settled) return
    this.#deadlines.stop()
    const failure = this.#sink?.end()
    if (failure !== undefined) {
      this.#settle({ kind: 'failed', error: failure.error, answer: failure.answer })
      return
    }
    if (!this.#committed) this.commit()
    this.writer.end()
    this.#settle({ kind: 'committed', status: this.#status, error: undefined, firstByteMs: this.#firstByteMs, captured: this.#captured() })
  }

  onResponseError(error: GatewayError): void {
    this.#clearAfterDone()
    if (this.#settled) return
    this.#deadlines.stop()
    if (!this.#committed) {
      this.#settle({ kind: 'failed', error, answer: undefined })
      return
    }
    if (this.#sink === undefined) this.writer.cut(error)
    else this.#sink.interrupt(error)
    this.#settle({ kind: 'committed', status: this.#status, error, firstByteMs: this.#firstByteMs, captured: this.#captured() })
  }

  commit(head?: ResponseHead): void {
    this.#committed = true
    this.#firstByteMs = this.#options.clock.now() - this.#startedAt
    this.writer.writeHead(this.#status, this.#headers, head)
    this.#options.onCommit?.()
  }

  /**
   * The client has its whole answer; the upstream normally ends at once (and its connection is reused), one that
   * does not is let go after a moment.
   */
  finishEarly(): void {
    this.writer.end()
    this.#settle({ kind: 'committed', status: this.#status, error: undefined, firstByteMs: this.#firstByteMs, captured: this.#captured() })
    this.#afterDone = this.#options.clock.setTimeout(
      this.#guarded(() => {
        this.#afterDone = undefined
        const name = this.#options.upstream.name
        this.#control?.abort(new GatewayError('upstream_bad_response', `upstream ${name} kept its stream open after [DONE]`))
      }),
      afterDoneGraceMs,
    )
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

  /** A callback run by a timer or an event emitter, where an exception would reach nobody: it becomes internal_error. */
  #guarded(callback: () => void): () => void {
    return () => {
      try {
        callback()
      } catch (bug) {
        this.#onBug(bug)
      }
    }
  }

  #clearAfterDone(): void {
    if (this.#afterDone === undefined) return
    this.#options.clock.clearTimeout(this.#afterDone)
    this.#afterDone = undefined
  }

  /** Without the upstream's secrets (or, with `sk: asis`, the client's key): even a 2xx answer may quote them. */
  #captured(): CapturedResponse {
    const captured = this.#sink?.captured() ?? nothingCaptured
    return captured.text === undefined ? captured : { usage: captured.usage, text: this.redactor.redactText(captured.text) }
  }

  #settle(result: AttemptResult): void {
    if (this.#settled) return
    this.#settled = true
    this.#deadlines.stop()
    this.#resolve(result)
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
