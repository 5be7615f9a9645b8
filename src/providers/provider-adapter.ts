// The provider adapter contract: one send() that does the I/O and reports an OpenAI-compatible response.
import type { IncomingHttpHeaders } from 'node:http'
import type { UpstreamConfig, UpstreamType } from '../config/gateway-config.js'
import type { GatewayError } from '../errors/gateway-error.js'

/** What the relay hands an adapter: the client request, parsed once at the edge. */
export interface UpstreamRequest {
  readonly requestId: string
  readonly method: string
  /** The client path after `/v1`, with its query string, e.g. `/chat/completions`. */
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /**
   * The client body as received, but for what the gateway changes on its bytes: stream usage asked for, and the
   * `model` value when this upstream's `models` maps it (relay/upstream-model-request.ts); null without a body.
   */
  readonly body: Buffer | null
  /** The JSON body when it parsed as an object (with this upstream's model name), for adapters that translate it. */
  readonly json: Readonly<Record<string, unknown>> | null
  /** The model name this upstream is sent (its `models` mapping of the client's); the URL path without a JSON model. */
  readonly model: string
  readonly stream: boolean
}

/**
 * Where an adapter reports the (OpenAI-compatible) response. Calls arrive in order:
 * start, data*, then exactly one of end or error (error may also come first).
 */
export interface ResponseSink {
  /** `headers` is a flat [name, value, name, value, ...] list with lower-case names. */
  onResponseStart(status: number, headers: string[]): void
  /** Returns false when the adapter should pause until `resume()`. */
  onResponseData(chunk: Buffer): boolean
  onResponseEnd(): void
  onResponseError(error: GatewayError): void
}

export interface AttemptControl {
  /** Stop the upstream request now; the sink then gets onResponseError(error). */
  abort(error: GatewayError): void
  /** Continue after onResponseData returned false. */
  resume(): void
}

export interface ProviderAdapter {
  readonly type: UpstreamType
  send(request: UpstreamRequest, upstream: UpstreamConfig, sink: ResponseSink): AttemptControl
}
