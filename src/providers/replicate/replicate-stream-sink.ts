// Receives a prediction's SSE stream (GET urls.stream) and reports its OpenAI translation to the writer.
import { GatewayError } from '../../errors/gateway-error.js'
import { SseParser, type SseEvent } from '../../streaming/sse-parser.js'
import { BodyBuffer } from '../body-buffer.js'
import type { OpenAIResponseWriter } from '../openai-response-writer.js'
import type { ResponseSink } from '../provider-adapter.js'
import type { ReplicateStreamMapper } from './replicate-stream-to-openai.js'
import { predictionFailure, replicateErrorToOpenAI } from './replicate-to-openai.js'

export interface ReplicateStreamCallbacks {
  /** `event: done` without a reason: the finish chunk is written; the usage chunk and [DONE] are the caller's. */
  complete(): void
  /** The prediction is over on Replicate's side (done or error), whatever becomes of this answer. */
  predictionOver(): void
}

export class ReplicateStreamSink implements ResponseSink {
  readonly #writer: OpenAIResponseWriter
  readonly #mapper: ReplicateStreamMapper
  readonly #upstreamName: string
  readonly #callbacks: ReplicateStreamCallbacks
  #status = 0
  #parser: SseParser | undefined
  #body: BodyBuffer | undefined
  #writable = true
  #over = false

  readonly #maxEventBytes: number

  constructor(
    writer: OpenAIResponseWriter,
    mapper: ReplicateStreamMapper,
    upstream: { readonly name: string; readonly maxEventBytes: number },
    callbacks: ReplicateStreamCallbacks,
  ) {
    this.#writer = writer
    this.#mapper = mapper
    this.#upstreamName = upstream.name
    this.#maxEventBytes = upstream.maxEventBytes
    this.#callbacks = callbacks
  }

  onResponseStart(status: number, _headers: string[]): void {
    this.#status = status
    if (status >= 200 && status < 300) this.#parser = new SseParser((event) => this.#onEvent(event), { maxEventBytes: this.#maxEventBytes })
    else this.#body = new BodyBuffer()
  }

  onResponseData(chunk: Buffer): boolean {
    if (this.#over || this.#writer.finished) return true
    if (this.#parser !== undefined) {
      this.#writable = true
      if (!this.#parser.push(chunk)) {
        this.#writer.fail(
          new GatewayError(
            'upstream_bad_response',
            `upstream ${this.#upstreamName} sent an SSE event larger than max_event_size (${this.#maxEventBytes} bytes)`,
          ),
        )
        return false
      }
      return this.#writable
    }
    if (this.#body?.push(chunk) === false)
      this.#writer.fail(
        new GatewayError('upstream_bad_response', `upstream ${this.#upstreamName} sent an error answer larger than it can be`),
      )
    return true
  }

  onResponseEnd(): void {
    if (this.#over || this.#writer.finished) return
    if (this.#body !== undefined) {
      const error = replicateErrorToOpenAI(this.#status, this.#body.text())
      this.#writer.sendJson(error.status, error.body)
      return
    }
    this.#writer.fail(
      new GatewayError('upstream_truncated', `upstream ${this.#upstreamName} ended the prediction stream before its done event`),
    )
  }

  onResponseError(error: GatewayError): void {
    if (!this.#over) this.#writer.fail(error)
  }

  #onEvent(event: SseEvent): void {
    if (this.#over || this.#writer.finished) return
    for (const output of this.#mapper.map(event)) {
      switch (output.kind) {
        case 'chunk':
          if (output.held) this.#writer.holdChunk(output.chunk)
          else this.#writable = this.#writer.writeChunk(output.chunk) && this.#writable
          break
        case 'done':
          this.#over = true
          this.#callbacks.predictionOver()
          this.#callbacks.complete()
          return
        case 'error': {
          this.#over = true
          this.#callbacks.predictionOver()
          const failure = predictionFailure(
            output.errorType === 'prediction_canceled' ? 'canceled' : 'failed',
            output.message === '' ? null : output.message,
          )
          if (this.#writer.started) {
            // The client's error event carries the prediction's own failure, not a generic one.
            this.#writer.fail(
              new GatewayError('upstream_reported_error', `upstream ${this.#upstreamName}: ${failure.body.error.message}`, {
                reported: failure.body.error,
              }),
            )
          } else {
            // Nothing reached the client: a failed prediction is a failed attempt, so the next upstream is tried.
            this.#writer.sendJson(failure.status, failure.body)
          }
          return
        }
      }
    }
  }
}
