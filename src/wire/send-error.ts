// Writes a GatewayError to the client in OpenAI's error shape.
import type { ServerResponse } from 'node:http'
import type { GatewayError } from '../errors/gateway-error.js'
import { corsResponseHeaders } from './cors.js'

export function sendError(res: ServerResponse, error: GatewayError, requestId: string, extraHeaders: readonly string[] = []): number {
  return sendJson(res, error.status, error.toBody(), requestId, extraHeaders)
}

/** Returns the number of body bytes sent. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  requestId: string,
  extraHeaders: readonly string[] = [],
): number {
  if (res.headersSent || res.destroyed) return 0
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  res.writeHead(status, jsonHead(bytes.length, requestId, extraHeaders))
  res.end(bytes)
  return bytes.length
}

/**
 * Writes the whole error (headers and a body with its length) but leaves the response open: the caller
 * ends it, which for a `connection: close` answer is when the socket closes. Returns false when nothing
 * could be written.
 */
export function writeErrorKeepingOpen(
  res: ServerResponse,
  error: GatewayError,
  requestId: string,
  extraHeaders: readonly string[] = [],
): boolean {
  if (res.headersSent || res.destroyed) return false
  const bytes = Buffer.from(error.toBody())
  res.writeHead(error.status, jsonHead(bytes.length, requestId, extraHeaders))
  res.write(bytes)
  return true
}

function jsonHead(length: number, requestId: string, extraHeaders: readonly string[]): string[] {
  return [
    'content-type',
    'application/json',
    'content-length',
    String(length),
    ...corsResponseHeaders,
    'x-request-id',
    requestId,
    ...extraHeaders,
  ]
}
