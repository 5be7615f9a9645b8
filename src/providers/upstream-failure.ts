// Maps HTTP-client failures (undici error codes, socket errno) to typed gateway errors: an upstream's failure gets
// the code that says what went wrong; an exception the gateway threw itself (in a sink, during a callback) is its
// own bug, internal_error, never blamed on the upstream.
import { errors } from 'undici'
import { GatewayError } from '../errors/gateway-error.js'
import { internalError } from '../errors/internal-error.js'

const connectCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EPROTO',
  'UND_ERR_CONNECT_TIMEOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
])
/** TLS handshake and certificate failures: the connection to the upstream could not be made. */
const connectPrefixes = ['ERR_SSL_', 'ERR_TLS_', 'CERT_', 'UNABLE_TO_']
const resetCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'ECONNABORTED'])
const timeoutCodes = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
/** The upstream's bytes are not a valid HTTP answer, or break undici's bounds. */
const badResponseCodes = new Set([
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_INFO',
])
/** undici refusing how the gateway used it (an argument, a handler's return value, the request's own length). */
const misuseCodes = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
])

export function toUpstreamError(error: unknown, upstreamName: string): GatewayError {
  if (error instanceof GatewayError) return error
  // Bytes that are not HTTP: llhttp does not always name the reason with a code.
  if (error instanceof errors.HTTPParserError && error.code === undefined) {
    return new GatewayError('upstream_bad_response', `upstream ${upstreamName} sent an answer that is not valid HTTP`, { cause: error })
  }
  const code = errorCode(error)
  // Every other failure of the upstream's I/O carries a code (undici's, an errno, llhttp's HPE_*, a TLS one); a
  // thrown TypeError or RangeError has none: it came from the gateway's own code, called back from undici.
  if (code === undefined || misuseCodes.has(code) || isNodeMisuse(code)) return internalError(error)
  if (connectCodes.has(code) || connectPrefixes.some((prefix) => code.startsWith(prefix))) {
    return new GatewayError('upstream_connect_error', `upstream ${upstreamName} could not be reached (${code})`, { cause: error })
  }
  if (resetCodes.has(code))
    return new GatewayError('upstream_reset', `upstream ${upstreamName} closed the connection (${code})`, { cause: error })
  if (timeoutCodes.has(code)) return new GatewayError('upstream_timeout', `upstream ${upstreamName} timed out (${code})`, { cause: error })
  if (badResponseCodes.has(code) || code.startsWith('HPE_')) {
    return new GatewayError(
      'upstream_bad_response',
      `upstream ${upstreamName} sent an answer that is not valid HTTP or too large (${code})`,
      { cause: error },
    )
  }
  const detail = error instanceof Error ? error.message : String(error)
  return new GatewayError('upstream_error', `upstream ${upstreamName} failed (${code}): ${detail}`, { cause: error })
}

/** Node's own argument and state checks (ERR_INVALID_ARG_TYPE, ERR_STREAM_WRITE_AFTER_END, ...): the caller's bug. */
function isNodeMisuse(code: string): boolean {
  return (
    code.startsWith('ERR_INVALID_') ||
    code.startsWith('ERR_STREAM_') ||
    code.startsWith('ERR_HTTP_') ||
    code === 'ERR_OUT_OF_RANGE' ||
    code === 'ERR_MISSING_ARGS'
  )
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    // undici wraps socket errors; the errno that matters is on the cause.
    const cause = (error as { cause?: { code?: unknown } }).cause
    if (code === 'UND_ERR_SOCKET' && typeof cause?.code === 'string') return cause.code
    return code
  }
  return undefined
}
