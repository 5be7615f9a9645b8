// Reads a request body into memory within three bounds: its size, the time it may take to arrive, and the
// bytes all bodies in flight may hold together (the BodyBudget).
import type { IncomingMessage } from 'node:http'
import { GatewayError } from '../errors/gateway-error.js'
import type { Clock, TimerHandle } from '../time/clock.js'
import type { BodyBudget } from './body-budget.js'

export function tooLarge(limit: number): GatewayError {
  return new GatewayError('request_too_large', `Request body is larger than the limit of ${limit} bytes`)
}

export function serverBusy(): GatewayError {
  return new GatewayError('server_busy', 'The server is receiving too many request bodies right now; retry shortly.')
}

export interface ReadBodyOptions {
  readonly limit: number
  /** 0: no deadline. */
  readonly timeoutMs: number
  readonly budget: BodyBudget
  readonly clock: Clock
}

export interface ReadBody {
  /** null when the body is empty. */
  readonly body: Buffer | null
  /** Gives the body's bytes back to the budget; call once the body is no longer needed. */
  release(): void
}

/** The Content-Length the client declared, 0 without one (chunked or no body). */
export function declaredLength(req: IncomingMessage): number {
  const declared = Number(req.headers['content-length'] ?? 0)
  return Number.isFinite(declared) ? declared : 0
}

/**
 * Resolves with the body, or rejects with request_too_large, server_busy, request_timeout or client_closed
 * (having returned what it reserved); throws at once when a declared length is over the limit or cannot be
 * reserved. A declared length is reserved whole before reading, so a body that could not fit is refused before
 * its first byte; a chunked body is reserved as it arrives.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<ReadBody> {
  const { limit, budget, clock } = options
  const declared = declaredLength(req)
  // Thrown at once, not rejected: the caller must know before it invites the body with 100 Continue.
  if (declared > limit) throw tooLarge(limit)
  if (!budget.tryReserve(declared)) throw serverBusy()
  let reserved = declared
  const release = (): void => {
    budget.release(reserved)
    reserved = 0
  }
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = []
    // A declared body is copied into place as it arrives: no 32 MiB concatenation in one event-loop turn at the end.
    let whole = declared > 0 ? Buffer.allocUnsafe(declared) : undefined
    let size = 0
    let timer: TimerHandle | undefined
    const fail = (error: GatewayError): void => {
      finish()
      chunks = []
      whole = undefined
      release()
      reject(error)
    }
    const onData = (chunk: Buffer): void => {
      const offset = size
      size += chunk.length
      if (size > limit) return fail(tooLarge(limit))
      if (size > reserved) {
        if (!budget.tryReserve(size - reserved)) return fail(serverBusy())
        reserved = size
      }
      if (whole === undefined) chunks.push(chunk)
      // node:http delivers no more than the declared length; should that ever change, fail rather than overrun.
      else if (size > whole.length) fail(new GatewayError('invalid_request', 'The body is longer than its Content-Length.'))
      else chunk.copy(whole, offset)
    }
    const onEnd = (): void => {
      finish()
      // A client that declared more than it sent is held to what it sent.
      if (reserved > size) {
        budget.release(reserved - size)
        reserved = size
      }
      // Only the bytes that arrived are handed on, never the rest of an allocUnsafe buffer.
      const body =
        size === 0
          ? null
          : whole !== undefined
            ? whole.subarray(0, size)
            : chunks.length === 1
              ? (chunks[0] as Buffer)
              : Buffer.concat(chunks, size)
      resolve({ body, release })
    }
    const onClose = (): void => fail(new GatewayError('client_closed', 'the client closed the connection while sending its request'))
    const finish = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.off('error', onClose)
    }
    if (options.timeoutMs > 0) {
      timer = clock.setTimeout(
        () => fail(new GatewayError('request_timeout', `The request body did not arrive within ${options.timeoutMs / 1000} s.`)),
        options.timeoutMs,
      )
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.on('error', onClose)
  })
}
