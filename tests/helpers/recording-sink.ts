// A ResponseSink that records what an adapter reports, for send() tests, and helpers to call one.
import type { IncomingHttpHeaders } from 'node:http'
import { parseConfigText } from '../../src/config/load-config.js'
import type { UpstreamConfig } from '../../src/config/gateway-config.js'
import type { GatewayError } from '../../src/errors/gateway-error.js'
import type { ResponseSink, UpstreamRequest } from '../../src/providers/provider-adapter.js'

export interface RecordedResponse {
  readonly status: number | undefined
  readonly headers: readonly string[]
  readonly body: string
  /** Set when the adapter reported onResponseError. */
  readonly error: GatewayError | undefined
}

export class RecordingSink implements ResponseSink {
  /** Resolves at onResponseEnd or onResponseError. */
  readonly finished: Promise<RecordedResponse>
  status: number | undefined
  headers: string[] = []
  readonly chunks: Buffer[] = []
  #resolve!: (response: RecordedResponse) => void
  /** Resolves at the first data chunk. */
  readonly firstData: Promise<void>
  #firstData!: () => void

  constructor() {
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve
    })
    this.firstData = new Promise((resolve) => {
      this.#firstData = resolve
    })
  }

  onResponseStart(status: number, headers: string[]): void {
    this.status = status
    this.headers = headers
  }

  onResponseData(chunk: Buffer): boolean {
    this.chunks.push(chunk)
    this.#firstData()
    return true
  }

  onResponseEnd(): void {
    this.#resolve(this.#recorded(undefined))
  }

  onResponseError(error: GatewayError): void {
    this.#resolve(this.#recorded(error))
  }

  header(name: string): string | undefined {
    const i = this.headers.indexOf(name)
    return i % 2 === 0 ? this.headers[i + 1] : undefined
  }

  #recorded(error: GatewayError | undefined): RecordedResponse {
    return { status: this.status, headers: this.headers, body: Buffer.concat(this.chunks).toString('utf8'), error }
  }
}

/** One upstream from YAML lines (under `upstreams:`), as the gateway would load it. */
export function upstreamFrom(...lines: string[]): UpstreamConfig {
  const { config } = parseConfigText(
    `upstreams:\n${lines
      .map((l) => `    ${l}`)
      .join('\n')
      .replace(/^ {4}/, '  - ')}\n`,
    'test.yaml',
    {},
  )
  const upstream = config.upstreams[0]
  if (upstream === undefined) throw new Error('no upstream in the YAML')
  return upstream
}

/** A client's POST /v1/chat/completions as the edge hands it to an adapter. */
export function chatRequest(body: Record<string, unknown>, headers: IncomingHttpHeaders = {}): UpstreamRequest {
  const bytes = Buffer.from(JSON.stringify(body))
  return {
    requestId: 'req-test-1',
    method: 'POST',
    path: '/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer client-key', ...headers },
    body: bytes,
    json: body,
    model: typeof body['model'] === 'string' ? body['model'] : '/v1/chat/completions',
    stream: body['stream'] === true,
  }
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length))
}
