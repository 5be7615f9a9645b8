// CORS: the gateway answers preflight itself and replaces whatever CORS headers an upstream sent.
import type { IncomingMessage, ServerResponse } from 'node:http'

export const corsAllowMethods = 'POST, GET, OPTIONS, PUT, DELETE, PATCH'
/** Sent when the preflight names no headers (the predecessor's list). */
const defaultAllowHeaders = 'Origin, Authorization, Content-Type'

/** Set on every response. */
export const corsResponseHeaders = ['access-control-allow-origin', '*', 'access-control-expose-headers', 'x-request-id'] as const

export function answerPreflight(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  // Browser SDKs send their own headers (x-stainless-*, openai-beta); allow what the browser asks for.
  const requested = req.headers['access-control-request-headers']
  res.writeHead(204, [
    ...corsResponseHeaders,
    'access-control-allow-methods',
    corsAllowMethods,
    'access-control-allow-headers',
    typeof requested === 'string' && requested !== '' ? requested : defaultAllowHeaders,
    'access-control-max-age',
    '86400',
    'x-request-id',
    requestId,
  ])
  res.end()
}
