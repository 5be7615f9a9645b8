// internal_error: the gateway's own bug (an exception it did not expect), told apart from an upstream's failure.
import { GatewayError } from './gateway-error.js'

/** What a client reads: nothing internal (no stack, no path); the request id in `x-request-id` finds the log line. */
const clientMessage = 'The gateway failed while handling this request; its log has the details under this request id.'

/** `cause`: the unexpected exception, kept for the log line (see internalErrorFields). */
export function internalError(cause: unknown): GatewayError {
  if (cause instanceof GatewayError && cause.code === 'internal_error') return cause
  return new GatewayError('internal_error', clientMessage, { cause })
}

/** The fields of the error-level log line of an internal error: what was thrown, and where (its stack). */
export function internalErrorFields(error: unknown): { error: string; stack: string | undefined } {
  const cause = error instanceof GatewayError && error.code === 'internal_error' ? error.cause : error
  return { error: String(cause), stack: cause instanceof Error ? cause.stack : undefined }
}
