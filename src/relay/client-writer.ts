// The one writer of an attempt's answer to the client: the headers at the commit point, the body (in the chunked
// coding it writes itself for streams), its end, the visible end of an answer that failed after the commit point,
// and backpressure (a client that reads slowly pauses the deadlines and the upstream until it drains).
import type { ServerResponse } from 'node:http'
import type { GatewayError } from '../errors/gateway-error.js'
import { chunkOf, lastChunk, takeOverChunking } from '../wire/chunked-coding.js'
import { clientResponseHeaders } from './client-response-headers.js'
import { interruptedStreamErrorBody } from './failure-answer.js'
import { withBodyChange, type BodyChange } from './redacting-body.js'
import type { SecretRedactor } from '../secrets/secret-redactor.js'

export interface ClientWriterOptions {
  readonly requestId: string
  /** Ask the client to close its connection (the gateway is draining). */
  readonly closeConnection: boolean
  readonly redactor: SecretRedactor
  /** The client stopped taking bytes: called once per full buffer. */
  readonly onBlocked: () => void
  /** It drained again. Runs from the response's 'drain' event, so it must not throw (the attempt guards it). */
  readonly onDrained: () => void
  /** The gateway's own headers on the answer (`x-openai-api-route-model`), after the upstream's. */
  readonly extraHeaders?: readonly string[]
  /** Upstream headers dropped because the gateway answers for them itself (`x-ratelimit-*` of a limited key). */
  readonly replacedHeaders?: readonly string[]
}

export interface ResponseHead {
  /** The body differs from the upstream's (a secret was cut, its coding undone): its headers are replaced. */
  readonly change?: BodyChange | undefined
  /** A stream: the writer frames its chunks itself (see takeOverChunking). */
  readonly stream?: boolean
}

export class ClientWriter {
  readonly #res: ServerResponse
  readonly #options: ClientWriterOptions
  /** The writer frames the chunked coding itself. */
  #chunking = false

  constructor(res: ServerResponse, options: ClientWriterOptions) {
    this.#res = res
    this.#options = options
  }

  writeHead(status: number, upstreamHeaders: readonly string[], head: ResponseHead = {}): void {
    // Headers are always searched for secrets (they are small); an upstream may echo its key in any of them.
    let headers = this.#options.redactor.redactHeaders(upstreamHeaders)
    if (head.change !== undefined) headers = withBodyChange(headers, head.change)
    const out = clientResponseHeaders(headers, this.#options.requestId, this.#options.closeConnection)
    const { extraHeaders: extra, replacedHeaders: replaced } = this.#options
    this.#res.writeHead(status, extra === undefined && replaced === undefined ? out : withGatewayHeaders(out, extra ?? [], replaced ?? []))
    if (head.stream === true) this.#chunking = takeOverChunking(this.#res)
  }

  /** False when the client's buffer is full: the caller pauses the upstream until onDrained. */
  write(chunk: Buffer): boolean {
    const res = this.#res
    if (res.destroyed) return false
    if (chunk.length === 0) return true // an empty chunk would end a chunked body
    const ok = res.write(this.#chunking ? chunkOf(chunk) : chunk)
    if (!ok) {
      this.#options.onBlocked()
      res.once('drain', this.#options.onDrained)
    }
    return ok
  }

  end(): void {
    if (this.#chunking) this.#res.end(lastChunk)
    else this.#res.end()
  }

  /**
   * A stream that failed after the commit point: an explicit error event and no [DONE], so the client never mistakes
   * a cut stream for a complete one.
   */
  endWithErrorEvent(error: GatewayError): void {
    const res = this.#res
    if (res.destroyed) return
    const event = Buffer.from(`data: ${interruptedStreamErrorBody(error, this.#options.redactor)}\n\n`)
    if (this.#chunking) res.end(Buffer.concat([chunkOf(event), lastChunk]))
    else res.end(event)
  }

  /** A plain body cannot carry an error after it started: the connection is cut so the client sees a failure. */
  cut(error?: GatewayError): void {
    if (!this.#res.destroyed) this.#res.destroy(error)
  }
}

/**
 * The gateway's own headers after the upstream's, whose headers of the same names (or of `replaced` names) are dropped:
 * a second, contradicting value would reach the client otherwise.
 */
export function withGatewayHeaders(headers: readonly string[], extra: readonly string[], replaced: readonly string[]): string[] {
  const names = new Set(replaced)
  for (let i = 0; i < extra.length; i += 2) names.add(extra[i] as string)
  const out: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.has(headers[i] as string)) out.push(headers[i] as string, headers[i + 1] as string)
  }
  return out.concat(extra)
}
