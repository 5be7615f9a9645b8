// A refusal (413, 401, 503) for a request whose body is still coming, delivered so the client can read it while it is still sending.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayError } from '../errors/gateway-error.js'
import type { Clock } from '../time/clock.js'
import { writeErrorKeepingOpen } from '../wire/send-error.js'

/** How long a refused upload may go on being read and dropped before its connection is cut anyway (nginx: 30 s). */
export const refusedBodyLingerMs = 30_000

export interface RefuseBodyOptions {
  readonly requestId: string
  readonly clock: Clock
  readonly lingerMs?: number
  /** Sent along, e.g. `retry-after`. */
  readonly headers?: readonly string[]
}

/**
 * Sends the refusal at once, then reads and drops the rest of the body and only then ends the response. Ending
 * it closes the connection (`connection: close`), and closing a socket with unread data makes the kernel answer
 * with a reset, which fails the client's upload with EPIPE/ECONNRESET and may discard the refusal before the
 * client has read it. The client already has the whole answer (it carries a content-length).
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, error: GatewayError, options: RefuseBodyOptions): void {
  const { clock, lingerMs = refusedBodyLingerMs } = options
  if (!writeErrorKeepingOpen(res, error, options.requestId, [...(options.headers ?? []), 'connection', 'close'])) {
    req.resume()
    return
  }
  if (req.readableEnded) {
    res.end()
    return
  }
  const finish = (): void => {
    clock.clearTimeout(timer)
    req.off('end', finish)
    req.off('close', finish)
    req.off('error', finish)
    if (!res.writableEnded) res.end()
  }
  const timer = clock.setTimeout(finish, lingerMs)
  req.on('data', ignore)
  req.once('end', finish)
  req.once('close', finish)
  req.once('error', finish)
  req.resume()
}

function ignore(): void {}
