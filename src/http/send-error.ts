// Writes a GatewayError to the client in OpenAI's error shape.
import type { ServerResponse } from 'node:http'
import type { GatewayError } from '../errors/gateway-error.js'
import { corsResponseHeaders } from './cors.js'

export function sendError(res: ServerResponse, error: GatewayError, requestId: string, extraHeaders: readonly string[] = []): number {
  return sendJson(res, error.status, error.toBody(), requestId, extraHeaders)
}

/** Returns the number of body bytes sent. */
export function sendJson(res: ServerResponse, status: number, body: string | Buffer, requestId: string, extraHeaders: readonly string[] = []): number {
  if (res.headersSent || res.destroyed) return 0
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  res.writeHead(status, [
    'content-type', 'application/json',
    'content-length', String(bytes.length),
    ...corsResponseHeaders,
    'x-request-id', requestId,
    ...extraHeaders,
  ])
  res.end(bytes)
  return bytes.length
}
