// Maps HTTP-client failures (undici error codes, socket errno) to typed gateway errors.
import { GatewayError } from '../errors/gateway-error.js'

const connectCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])
const resetCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'])

export function toUpstreamError(error: unknown, upstreamName: string): GatewayError {
  if (error instanceof GatewayError) return error
  const code = errorCode(error)
  const detail = error instanceof Error ? error.message : String(error)
  if (code !== undefined && connectCodes.has(code)) {
    return new GatewayError('upstream_connect_error', `upstream ${upstreamName} could not be reached (${code})`, { cause: error })
  }
  if (code !== undefined && resetCodes.has(code)) {
    return new GatewayError('upstream_reset', `upstream ${upstreamName} closed the connection (${code})`, { cause: error })
  }
  return new GatewayError('upstream_error', `upstream ${upstreamName} failed: ${detail}`, { cause: error })
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
