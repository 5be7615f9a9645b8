// Why a sink did not take a message, as a stable code; the message never holds a webhook URL or a token.

export const alertSendErrorCodes = ['alert_network', 'alert_timeout', 'alert_status', 'alert_rejected'] as const
/**
 * `alert_network`: no connection or it broke; `alert_timeout`: no answer in time; `alert_status`: a non-2xx
 * HTTP status; `alert_rejected`: HTTP 2xx, but the service said no (Feishu's non-zero `code`).
 */
export type AlertSendErrorCode = (typeof alertSendErrorCodes)[number]

export class AlertSendError extends Error {
  override readonly name = 'AlertSendError'
  readonly code: AlertSendErrorCode
  /** The service asked to wait this long before trying again (Matrix `retry_after_ms`, `Retry-After`). */
  readonly retryAfterMs: number | undefined

  constructor(code: AlertSendErrorCode, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryAfterMs = options.retryAfterMs
  }
}
