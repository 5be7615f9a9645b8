// Reads a request body into memory, refusing more than the configured limit.
import type { IncomingMessage } from 'node:http'
import { GatewayError } from '../errors/gateway-error.js'

export function tooLarge(limit: number): GatewayError {
  return new GatewayError('request_too_large', `Request body is larger than the limit of ${limit} bytes`)
}

/** Resolves with the body (null when empty), or rejects with request_too_large / client_closed. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        finish()
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      finish()
      resolve(size === 0 ? null : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    }
    const onClose = (): void => {
      if (done) return
      finish()
      reject(new GatewayError('client_closed', 'the client closed the connection while sending its request'))
    }
    const finish = (): void => {
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.off('error', onClose)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.on('error', onClose)
  })
}
