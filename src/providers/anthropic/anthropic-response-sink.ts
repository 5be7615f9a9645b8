// Receives Anthropic's raw answer (status, headers, body bytes) and reports its OpenAI translation to the writer:
// a JSON completion, a stream of chunks, or an error with the status that decides failover.
import { GatewayError } from '../../errors/gateway-error.js'
import { SseParser, type SseEvent } from '../../streaming/sse-parser.js'
import { BodyBuffer } from '../body-buffer.js'
import { parseJson } from '../json-fields.js'
import { keptUpstreamHeaders, type OpenAIResponseWriter } from '../openai-response-writer.js'
import type { AttemptControl, ResponseSink } from '../provider-adapter.js'
import { anthropicErrorToOpenAI, anthropicStreamErrorToOpenAI } from './anthropic-error-to-openai.js'
import { AnthropicStreamMapper } from './anthropic-stream-to-openai.js'
import { anthropicToOpenAI } from './anthropic-to-openai.js'

export interface AnthropicAnswerOptions {
  readonly stream: boolean
  readonly includeUsage: boolean
  /** Unix seconds, for `created`. */
  readonly created: number
  readonly model: string
  readonly upstreamName: string
  /** `max_event_size`: a larger event fails the answer (upstream_bad_response). */
  readonly maxEventBytes: number
}

export class AnthropicResponseSink implements ResponseSink {
  readonly #writer: OpenAIResponseWriter
  readonly #options: AnthropicAnswerOptions
  #upstream: AttemptControl | undefined
  #status = 0
  #body: BodyBuffer | undefined
  #parser: SseParser | undefined
  #mapper: AnthropicStreamMapper | undefined
  #writable = true

  constructor(writer: OpenAIResponseWriter, options: AnthropicAnswerOptions) {
    this.#writer = writer
    this.#options = options
  }

  /** The upstream request, so a translated failure can stop it. */
  attach(upstream: AttemptControl): void {
    this.#upstream = upstream
  }

  onResponseStart(status: number, headers: string[]): void {
    this.#status = status
    this.#writer.useHeaders(keptUpstreamHeaders(headers))
    if (status >= 200 && status < 300 && this.#options.stream) {
      const { created, model, includeUsage } = this.#options
      this.#mapper = new AnthropicStreamMapper({ created, model, includeUsage })
      this.#parser = new SseParser((event) => this.#onEvent(event), { maxEventBytes: this.#options.maxEventBytes })
    } else {
      this.#body = new BodyBuffer()
    }
  }

  onResponseData(chunk: Buffer): boolean {
    if (this.#writer.finished) return true
    if (this.#parser !== undefined) {
      this.#writable = true
      if (!this.#parser.push(chunk)) {
        this.#stop(
          new GatewayError(
            'upstream_bad_response',
            `upstream ${this.#options.upstreamName} sent an SSE event larger than max_event_size (${this.#options.maxEventBytes} bytes)`,
          ),
        )
        return false
      }
      return this.#writable
    }
    if (this.#body?.push(chunk) === false)
      this.#stop(
        new GatewayError(
          'upstream_bad_response',
          `upstream ${this.#options.upstreamName} sent an answer larger than a chat completion can be`,
        ),
      )
    return true
  }

  onResponseEnd(): void {
    if (this.#writer.finished) return
    if (this.#parser !== undefined) {
      this.#writer.fail(
        new GatewayError('upstream_truncated', `upstream ${this.#options.upstreamName} ended its stream before message_stop`),
      )
      return
    }
    const text = this.#body?.text() ?? ''
    if (this.#status < 200 || this.#status >= 300) {
      const error = anthropicErrorToOpenAI(this.#status, text)
      this.#writer.sendJson(error.status, error.body)
      return
    }
    const completion = anthropicToOpenAI(parseJson(text), this.#options.created)
    if (completion === undefined) {
      this.#writer.fail(
        new GatewayError('upstream_bad_response', `upstream ${this.#options.upstreamName} answered 200 without a Messages API message`),
      )
      return
    }
    this.#writer.sendJson(200, completion)
  }

  onResponseError(error: GatewayError): void {
    this.#writer.fail(error)
  }

  #onEvent(event: SseEvent): void {
    if (this.#writer.finished || this.#mapper === undefined) return
    for (const output of this.#mapper.map(event)) {
      switch (output.kind) {
        case 'chunk':
          if (output.held) this.#writer.holdChunk(output.chunk)
          else this.#writable = this.#writer.writeChunk(output.chunk) && this.#writable
          break
        case 'done':
          this.#writer.endStream()
          return
        case 'error':
          if (this.#writer.started) {
            // The client's error event carries Anthropic's own error (overloaded_error, ...), not a generic one.
            const reported = { message: output.message, type: output.errorType, param: null, code: output.errorType }
            this.#stop(
              new GatewayError(
                'upstream_reported_error',
                `upstream ${this.#options.upstreamName} reported ${output.errorType}: ${output.message}`,
                { reported },
              ),
            )
          } else {
            // Nothing reached the client yet: answer as Anthropic would over HTTP, so overloaded_error fails over.
            const error = anthropicStreamErrorToOpenAI(output.errorType, output.message)
            this.#writer.sendJson(error.status, error.body)
            this.#upstream?.abort(
              new GatewayError('upstream_reported_error', `upstream ${this.#options.upstreamName} reported ${output.errorType}`),
            )
          }
          return
      }
    }
  }

  /** Fail the answer and stop the upstream request it came from. */
  #stop(error: GatewayError): void {
    this.#writer.fail(error)
    this.#upstream?.abort(error)
  }
}
