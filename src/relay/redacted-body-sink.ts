// A body the client gets that is not a 2xx answer (and does not fail over): searched for the upstream's secrets
// on its way, held whole for its Content-Length unless it is large (see RedactingBody).
import type { GatewayError } from '../errors/gateway-error.js'
import type { AttemptContext, BodyFailure, BodySink } from './body-sink.js'
import type { RedactingBody } from './redacting-body.js'
import { ResponseCapture, type CapturedResponse } from '../tokens/response-capture.js'

export class RedactedBodySink implements BodySink {
  readonly #context: AttemptContext
  readonly #body: RedactingBody
  readonly #status: number
  readonly #capture = new ResponseCapture()
  readonly #failsOver: ((whole: Buffer) => BodyFailure | undefined) | undefined

  /** `failsOver`: looks at a body held whole and may make it a failure instead of the client's answer. */
  constructor(context: AttemptContext, body: RedactingBody, status: number, failsOver?: (whole: Buffer) => BodyFailure | undefined) {
    this.#context = context
    this.#body = body
    this.#status = status
    this.#failsOver = failsOver
  }

  push(chunk: Buffer): boolean {
    const body = this.#body
    if (body.streaming) return this.#write(body.next(chunk))
    if (body.hold(chunk)) return true
    // Past the bound: what was held goes now, and the length is no longer known.
    this.#context.commit({ change: { contentLength: undefined } })
    return this.#write(body.next(undefined))
  }

  end(): BodyFailure | undefined {
    const body = this.#body
    if (body.streaming) {
      const rest = body.finish()
      if (rest !== undefined) this.#write(rest)
      return undefined
    }
    const { bytes, change } = body.whole(this.#status)
    const failure = this.#failsOver?.(bytes)
    if (failure !== undefined) return failure
    this.#context.commit({ change })
    this.#write(bytes)
    return undefined
  }

  interrupt(error: GatewayError): void {
    this.#context.writer.cut(error)
  }

  captured(): CapturedResponse {
    return this.#capture.finish()
  }

  #write(bytes: Buffer): boolean {
    this.#capture.push(bytes)
    return this.#context.writer.write(bytes)
  }
}
