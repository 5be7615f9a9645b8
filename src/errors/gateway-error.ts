// GatewayError: every failure the gateway produces, with a stable code from error-codes.ts and OpenAI's wire shape.
import { errorCodes, type ErrorCode } from './error-codes.js'

export interface GatewayErrorOptions {
  /** Override the table's status (e.g. the status an upstream answered with). */
  readonly status?: number
  readonly param?: string | null
  readonly cause?: unknown
  /**
   * The upstream's own error object (an OpenAI error chunk, an Anthropic `error` event), for a failure after the
   * commit point: the client's in-band error carries it rather than the gateway's code.
   */
  readonly reported?: ReportedError
  /** When the client may try again (a 429 or 503 the gateway answers itself): sent as `Retry-After`. */
  readonly retryAfterMs?: number
  /** The table's `type` replaced (a rate limit on tokens is `tokens`, not `requests`). */
  readonly type?: string
  /** Headers the answer carries besides the usual ones, as a flat list of lower-case names and values. */
  readonly headers?: readonly string[]
}

/** An error object as an upstream reported it, in OpenAI's shape. */
export interface ReportedError {
  readonly message: string
  readonly type: string
  readonly param: string | null
  readonly code: string | null
}

const noHeaders: readonly string[] = Object.freeze([])

export class GatewayError extends Error {
  override readonly name = 'GatewayError'
  readonly code: ErrorCode
  readonly status: number
  readonly type: string
  readonly retryable: boolean
  readonly param: string | null
  readonly reported: ReportedError | undefined
  readonly retryAfterMs: number | undefined
  readonly headers: readonly string[]

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    const info = errorCodes[code]
    this.code = code
    this.status = options.status ?? info.status
    this.type = options.type ?? info.type
    this.retryable = info.retryable
    this.param = options.param ?? null
    this.reported = options.reported
    this.retryAfterMs = options.retryAfterMs
    this.headers = options.headers ?? noHeaders
  }

  /** OpenAI's error shape: `{"error":{"message","type","param","code"}}`. */
  toJSON(): { error: { message: string; type: string; param: string | null; code: string } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }

  toBody(): string {
    return JSON.stringify(this.toJSON())
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError
}
