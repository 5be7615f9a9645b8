// Reports a translated answer to a ResponseSink in OpenAI's wire format: a JSON body, or SSE chunks ending in [DONE].
// A stream's response starts only with its first chunk the client must see, so an upstream that fails before
// that (an error event right after a role-only start) can still be answered as an error and fail over.
import type { GatewayError } from '../errors/gateway-error.js'
import { encodeSseData } from '../streaming/sse-parser.js'
import type { ChatCompletionChunk } from './openai-chat.js'
import type { AttemptControl, ResponseSink } from './provider-adapter.js'

/** The control of an attempt that ended before any I/O (a request that could not be translated). */
export const finishedAttempt: AttemptControl = Object.freeze({ abort: () => undefined, resume: () => undefined })

/** Upstream headers worth keeping on a translated answer; the rest describe the upstream's own body. */
const keptHeaderPrefixes = ['retry-after', 'request-id', 'x-request-id', 'anthropic-ratelimit-', 'x-ratelimit-'] as const

export function keptUpstreamHeaders(upstream: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < upstream.length; i += 2) {
    const name = upstream[i] as string
    if (keptHeaderPrefixes.some((prefix) => name === prefix || (prefix.endsWith('-') && name.startsWith(prefix))))
      out.push(name, upstream[i + 1] as string)
  }
  return out
}

const done = Buffer.from(encodeSseData('[DONE]'))

export class OpenAIResponseWriter {
  readonly #sink: ResponseSink
  #started = false
  #finished = false
  #held: ChatCompletionChunk[] = []
  #headers: string[] = []

  constructor(sink: ResponseSink) {
    this.#sink = sink
  }

  /** The client's response has begun: from now on a failure can only end it. */
  get started(): boolean {
    return this.#started
  }

  get finished(): boolean {
    return this.#finished
  }

  /** Upstream headers (already filtered by keptUpstreamHeaders) to send with the answer. */
  useHeaders(headers: string[]): void {
    this.#headers = headers
  }

  /** A chunk that carries nothing the client must see yet (role only): sent just before the next one written. */
  holdChunk(chunk: ChatCompletionChunk): void {
    this.#held.push(chunk)
  }

  /** Returns false when the sink wants the upstream paused. */
  writeChunk(chunk: ChatCompletionChunk): boolean {
    if (this.#finished) return false
    if (!this.#started) {
      this.#started = true
      this.#sink.onResponseStart(200, ['content-type', 'text/event-stream; charset=utf-8', 'cache-control', 'no-cache', ...this.#headers])
    }
    let text = ''
    for (const held of this.#held) text += encodeSseData(JSON.stringify(held))
    this.#held = []
    text += encodeSseData(JSON.stringify(chunk))
    return this.#sink.onResponseData(Buffer.from(text))
  }

  /** Ends a complete stream: `data: [DONE]`, then the end. */
  endStream(): void {
    if (this.#finished) return
    if (!this.#started) throw new Error('endStream() before any chunk: a stream always ends with its finish chunk')
    this.#sink.onResponseData(done)
    this.#finish()
    this.#sink.onResponseEnd()
  }

  /** A whole answer: a completion (2xx) or an OpenAI-shaped error body with the equivalent status. */
  sendJson(status: number, body: unknown): void {
    if (this.#finished) return
    if (this.#started) throw new Error('sendJson() after a stream started')
    const bytes = Buffer.from(JSON.stringify(body))
    this.#started = true
    this.#sink.onResponseStart(status, ['content-type', 'application/json', 'content-length', String(bytes.length), ...this.#headers])
    this.#sink.onResponseData(bytes)
    this.#finish()
    this.#sink.onResponseEnd()
  }

  /**
   * A request the adapter could not translate. A malformed one is answered as the upstream would have
   * (400: the client's own answer, no failover); one this provider cannot serve fails the attempt, so
   * another upstream may serve it.
   */
  reject(error: GatewayError): void {
    if (error.code === 'invalid_request') this.sendJson(error.status, error.toJSON())
    else this.fail(error)
  }

  fail(error: GatewayError): void {
    if (this.#finished) return
    this.#finish()
    this.#sink.onResponseError(error)
  }

  #finish(): void {
    this.#finished = true
    this.#held = []
  }
}
