// The one table of gateway error codes: HTTP status, OpenAI error type, and whether a failed attempt may fail over.

export interface ErrorCodeInfo {
  readonly status: number
  /** The `type` field of OpenAI's error object. */
  readonly type: string
  /** An attempt that failed with this code may be retried on the next upstream. */
  readonly retryable: boolean
}

export const errorCodes = {
  // Client-side problems: answered by the gateway itself, never retried.
  invalid_api_key: { status: 401, type: 'invalid_request_error', retryable: false },
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  request_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_path: { status: 400, type: 'invalid_request_error', retryable: false },
  request_timeout: { status: 408, type: 'invalid_request_error', retryable: false },
  // Gateway state.
  shutting_down: { status: 503, type: 'server_error', retryable: false },
  server_busy: { status: 503, type: 'server_error', retryable: false },
  /** Every upstream that could serve the request asked to be left alone for now (their Retry-After still in force). */
  rate_limit_exceeded: { status: 429, type: 'requests', retryable: false },
  /** A named key's budget (`budget_usd`, `budget_tokens`) is spent for its period. */
  insufficient_quota: { status: 429, type: 'insufficient_quota', retryable: false },
  /** The limit store (Redis) cannot be reached and `limits.on_store_error` is `deny`. */
  limit_store_unavailable: { status: 503, type: 'server_error', retryable: false },
  /** The gateway's own bug (an exception it did not expect): never failed over, never counted against an upstream. */
  internal_error: { status: 500, type: 'server_error', retryable: false },
  // Upstream failures: retried on the next candidate while nothing has reached the client.
  /** An upstream failure the gateway could not classify (an I/O error code it does not know). */
  upstream_error: { status: 502, type: 'server_error', retryable: true },
  upstream_connect_error: { status: 502, type: 'server_error', retryable: true },
  upstream_reset: { status: 502, type: 'server_error', retryable: true },
  upstream_truncated: { status: 502, type: 'server_error', retryable: true },
  upstream_timeout: { status: 504, type: 'server_error', retryable: true },
  upstream_idle_timeout: { status: 504, type: 'server_error', retryable: true },
  upstream_status: { status: 502, type: 'server_error', retryable: true },
  upstream_unsupported: { status: 502, type: 'server_error', retryable: true },
  /** The upstream's answer breaks the gateway's bounds or its wire format (too large, malformed, open after [DONE]). */
  upstream_bad_response: { status: 502, type: 'server_error', retryable: true },
  /** The upstream reported an error inside an answer already under way (an Anthropic error event, a failed prediction). */
  upstream_reported_error: { status: 502, type: 'server_error', retryable: true },
  /**
   * The upstream answered 400 `context_length_exceeded` while the model has fallbacks: the next fallback model is
   * tried (a larger context), never another candidate of the same model; without one the client gets that 400.
   */
  upstream_context_length: { status: 400, type: 'invalid_request_error', retryable: false },
  // The client went away: nothing to answer, nothing to retry.
  client_closed: { status: 499, type: 'invalid_request_error', retryable: false },
} as const satisfies Record<string, ErrorCodeInfo>

export type ErrorCode = keyof typeof errorCodes
