// HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), written by the relay itself for streams: one buffer per
// forwarded run of events instead of node:http's four pieces (size, CRLF, data, CRLF) and its write machinery.
import type { ServerResponse } from 'node:http'

/** The zero-size chunk that ends a chunked body (no trailers). */
export const lastChunk = Buffer.from('0\r\n\r\n', 'latin1')

/** `data` (never empty) as one chunk: its size in hex, CRLF, the bytes, CRLF. */
export function chunkOf(data: Buffer): Buffer {
  const size = data.length.toString(16)
  const chunk = Buffer.allocUnsafe(size.length + data.length + 4)
  let at = chunk.write(size, 0, 'latin1')
  chunk[at++] = 13
  chunk[at++] = 10
  at += data.copy(chunk, at)
  chunk[at++] = 13
  chunk[at] = 10
  return chunk
}

/**
 * Called right after writeHead: when node:http chose chunked coding for this response (an HTTP/1.1 client, no
 * Content-Length), the caller takes the framing over and node:http writes the bytes it is given as they are.
 * The header node:http stored already says `Transfer-Encoding: chunked`, and it keeps the connection's keep-alive
 * decision. Returns false (nothing changed) when the response is not chunked, e.g. for an HTTP/1.0 client.
 */
export function takeOverChunking(res: ServerResponse): boolean {
  if (res.chunkedEncoding !== true) return false
  res.chunkedEncoding = false
  return true
}
