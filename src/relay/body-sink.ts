// What an attempt hands the body of an upstream's answer to: one sink per response mode (error body, direct body,
// redacted body, SSE), each told by the attempt's core where the commit point is and how to end.
import type { GatewayError } from '../errors/gateway-error.js'
import type { ClientWriter, ResponseHead } from './client-writer.js'
import type { CapturedResponse } from '../tokens/response-capture.js'
import type { SecretRedactor } from '../secrets/secret-redactor.js'

/** An upstream's complete non-2xx answer, kept in case it becomes the client's answer. */
export interface UpstreamAnswer {
  readonly status: number
  readonly headers: readonly string[]
  readonly body: Buffer
}

/** How an answer that reached its end without committing fails over instead. */
export interface BodyFailure {
  readonly error: GatewayError
  readonly answer: UpstreamAnswer | undefined
}

/** The attempt's core, as a sink sees it. */
export interface AttemptContext {
  readonly writer: ClientWriter
  /** The upstream's secrets (and, with `sk: asis`, the client's key), cut from what may quote them. */
  readonly redactor: SecretRedactor
  readonly committed: boolean
  /** The commit point: the client gets the status and headers now, and failover is over. */
  commit(head?: ResponseHead): void
  /** Ends the attempt with the upstream's failure (fails over before the commit point). */
  abort(error: GatewayError): void
  /** The answer is complete before the upstream ended it (`[DONE]`): the client's response ends now. */
  finishEarly(): void
}

export interface BodySink {
  /** A chunk of the upstream's body; false asks the adapter to pause. */
  push(chunk: Buffer): boolean
  /** The upstream's body ended: write what is left (committing if not yet), or say how the attempt fails over. */
  end(): BodyFailure | undefined
  /** The attempt failed after the commit point: end the client's response visibly. */
  interrupt(error: GatewayError): void
  /** Usage and text read from the answer as it passed, for records (not yet redacted). */
  captured(): CapturedResponse
}

export const nothingCaptured: CapturedResponse = { usage: undefined, text: undefined }
