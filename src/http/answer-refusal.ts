// How a request the gateway refuses itself is answered, by what is left of its body: still arriving (answer at
// once, drain, then close), too slow (answer and close), or read (a plain answer).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayError } from '../errors/gateway-error.js'
import type { Clock } from '../time/clock.js'
import { refuseBody } from './refuse-body.js'
import { allowedMethods } from './refused-methods.js'
import { sendError } from '../wire/send-error.js'
import { isBackOffStatus, retryAfterSeconds } from '../wire/retry-after.js'

/** What a 503 server_busy tells clients to wait before retrying, in seconds. */
export const busyRetryAfterSeconds = 1

export interface RefusalOptions {
  readonly requestId: string
  readonly clock: Clock
  /** The gateway is draining: close the connection after the answer. */
  readonly closeConnection: boolean
}

export function answerRefusal(req: IncomingMessage, res: ServerResponse, error: GatewayError, options: RefusalOptions): void {
  const { requestId, clock } = options
  if (error.code === 'client_closed') return
  // Every 429 and 503 says when to come back: the time the error names, else a second.
  const own = isBackOffStatus(error.status)
    ? ['retry-after', retryAfterSeconds(error.retryAfterMs ?? busyRetryAfterSeconds * 1000)]
    : error.code === 'method_not_allowed'
      ? ['allow', allowedMethods]
      : []
  const headers = error.headers.length === 0 ? own : [...own, ...error.headers]
  if (error.code === 'request_timeout') {
    // The rest of a body that has stalled is not waited for.
    sendError(res, error, requestId, [...headers, 'connection', 'close'])
    return
  }
  if (!req.readableEnded && hasBody(req)) {
    refuseBody(req, res, error, { requestId, clock, headers })
    return
  }
  sendError(res, error, requestId, options.closeConnection ? [...headers, 'connection', 'close'] : headers)
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}
