// Answers for what node:http never hands to the request listener: CONNECT (the 'connect' event), a method its
// parser does not know (TRACK), and every other malformed request, answered here as node itself would.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { GatewayError } from '../errors/gateway-error.js'
import { corsResponseHeaders } from '../wire/cors.js'
import { allowedMethods, methodNotAllowed } from './refused-methods.js'
import { requestIdFor } from './request-id.js'

/** node:http's own answers to malformed requests, for every error but an unknown TRACK method. */
const nodeAnswers: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
}
const badRequest = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'

/** `server.on('connect')`: the gateway is no tunnel. */
export function refuseConnect(req: IncomingMessage, socket: Duplex): void {
  writeMethodNotAllowed(socket, methodNotAllowed('CONNECT'), requestIdFor(req.headers['x-request-id']))
}

/** `server.on('clientError')`: TRACK gets its 405; anything else what node:http answers without this listener. */
export function answerClientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  if (
    error.code === 'HPE_INVALID_METHOD' &&
    error.rawPacket !== undefined &&
    error.rawPacket.subarray(0, 6).toString('latin1') === 'TRACK '
  ) {
    writeMethodNotAllowed(socket, methodNotAllowed('TRACK'), requestIdFor(undefined))
    return
  }
  const http = socket as Duplex & { _httpMessage?: { headersSent?: boolean } }
  if (socket.writable && http._httpMessage?.headersSent !== true) socket.write(nodeAnswers[error.code ?? ''] ?? badRequest)
  socket.destroy()
}

function writeMethodNotAllowed(socket: Duplex, error: GatewayError, requestId: string): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = Buffer.from(error.toBody())
  const headers = [
    'content-type',
    'application/json',
    'content-length',
    String(body.length),
    ...corsResponseHeaders,
    'x-request-id',
    requestId,
    'allow',
    allowedMethods,
    'connection',
    'close',
  ]
  let head = 'HTTP/1.1 405 Method Not Allowed\r\n'
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
  socket.end(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]))
  // What the client sends after its CONNECT head is not read; once the answer is out the socket goes.
  socket.once('finish', () => socket.destroy())
}
