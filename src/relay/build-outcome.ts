// The RequestOutcome of one client request, built once its response has ended, from what the edge read and what
// the relay did (or the refusal that ended it early).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { ClientIdentity } from '../auth/authenticate.js'
import type { OutcomeIdentity, RequestOutcome } from '../outcome/request-outcome.js'
import type { RoutingFields } from '../wire/routing-fields.js'
import type { RelayResult } from './relay-request.js'
import type { UpstreamConfig } from '../config/gateway-config.js'

export interface OutcomeParts {
  readonly req: IncomingMessage
  readonly requestId: string
  /** The canonical path the client asked for. */
  readonly path: string
  readonly identity: ClientIdentity
  /** What the body said for routing; `noRoutingFields` when it was not read. */
  readonly fields: RoutingFields
  /** The request body, when it was read. */
  readonly body: Buffer | null
  /** The client's headers with credentials already replaced (http/redact-headers.ts). */
  readonly requestHeaders: IncomingHttpHeaders
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number
  readonly totalMs: number
  readonly bytesOut: number
  readonly result: RelayResult
  /** The model name the answering upstream was sent (its `models` mapping of the client's), if one answered. */
  readonly upstreamModel: string | undefined
  /** Upstreams moved behind the others because their breaker was open. */
  readonly skippedOpen: readonly UpstreamConfig[]
}

/** Without its usage: that is known when an estimate is counted (tokens/outcome-usage.ts). */
export function buildOutcome(parts: OutcomeParts): RequestOutcome {
  const { req, fields, body, result, skippedOpen } = parts
  const outcome: RequestOutcome = {
    requestId: parts.requestId,
    startedAt: parts.startedAt,
    method: req.method ?? 'GET',
    path: parts.path,
    clientIp: req.socket.remoteAddress ?? '',
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
    identity: outcomeIdentity(parts.identity),
    model: fields.model ?? parts.path,
    stream: fields.stream,
    upstream: result.upstream?.name,
    upstreamModel: parts.upstreamModel,
    ...(result.model === undefined || result.model === (fields.model ?? parts.path) ? {} : { fallbackModel: result.model }),
    attempts: result.attempts,
    status: result.status,
    errorCode: result.errorCode,
    firstByteMs: result.firstByteMs,
    totalMs: parts.totalMs,
    bytesIn: body?.length ?? 0,
    bytesOut: parts.bytesOut,
    // Only a JSON body is kept: an upload (audio, files) is neither readable in a record nor small.
    requestBody: fields.scan === undefined ? null : body,
    requestHeaders: parts.requestHeaders,
    usage: undefined,
    responseText: result.captured?.text,
  }
  return skippedOpen.length === 0 ? outcome : { ...outcome, skippedOpen: skippedOpen.map((upstream) => upstream.name) }
}

const anonymous: OutcomeIdentity = Object.freeze({ kind: 'anonymous' as const })

/** A key's fingerprint and, for a named key, its name; never the key or its full digest. */
function outcomeIdentity(identity: ClientIdentity): OutcomeIdentity {
  if (identity.kind === 'key') {
    const name = identity.named?.name
    return name === undefined
      ? { kind: 'key', fingerprint: identity.fingerprint }
      : { kind: 'key', fingerprint: identity.fingerprint, name }
  }
  return identity.fingerprint === undefined ? anonymous : { kind: 'anonymous', fingerprint: identity.fingerprint }
}
