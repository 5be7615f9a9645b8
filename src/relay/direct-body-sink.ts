// A 2xx body that is not a stream, relayed byte for byte: from its first byte, or (a JSON answer to a non-stream
// request, see body-commit-point.ts) held to its end first, up to max_held_body, so one cut short still fails over.
import type { GatewayError } from '../errors/gateway-error.js'
import type { AttemptContext, BodySink } from './body-sink.js'
import type { HeldBody } from './held-body.js'
import { ResponseCapture, type CapturedResponse } from '../tokens/response-capture.js'

export class DirectBodySink implements BodySink {
  readonly #context: AttemptContext
  /** Set while a whole body is held; undefined once it committed (or for a body that commits at its first byte). */
  #held: HeldBody | undefined
  readonly #capture = new ResponseCapture()

  constructor(context: AttemptContext, held: HeldBody | undefined) {
    this.#context = context
    this.#held = held
  }

  push(chunk: Buffer): boolean {
    if (this.#held !== undefined) return this.#held.hold(chunk) || this.#commitHeld()
    if (!this.#context.committed) this.#context.commit()
    this.#capture.push(chunk)
    return this.#context.writer.write(chunk)
  }

  end(): undefined {
    // A held body arrived whole: only now does the client get any of it.
    if (this.#held !== undefined) this.#commitHeld()
    else if (!this.#context.committed) this.#context.commit()
    return undefined
  }

  interrupt(error: GatewayError): void {
    this.#context.writer.cut(error)
  }

  captured(): CapturedResponse {
    return this.#capture.finish()
  }

  /** The upstream's headers go unchanged: the held bytes are its body as it sent them. */
  #commitHeld(): boolean {
    const held = (this.#held as HeldBody).take()
    this.#held = undefined
    this.#context.commit()
    this.#capture.push(held)
    return this.#context.writer.write(held)
  }
}
