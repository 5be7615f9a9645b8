// Methods refused with 405 on every path: TRACE and TRACK echo a request back (cross-site tracing), CONNECT asks for a tunnel.
import { GatewayError } from '../errors/gateway-error.js'

export const refusedMethods: ReadonlySet<string> = new Set(['TRACE', 'TRACK', 'CONNECT'])

/** The `Allow` header a 405 must carry (RFC 9110, section 15.5.6). */
export const allowedMethods = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'

export function methodNotAllowed(method: string): GatewayError {
  return new GatewayError('method_not_allowed', `The method ${method} is not allowed.`)
}
