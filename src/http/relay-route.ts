// /v1/*: the request lifecycle, in order — identity from the head, admission, body, routing fields, plan, relay, outcome.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Authenticator } from '../auth/authenticate.js'
import type { GatewayConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { internalError, internalErrorFields } from '../errors/internal-error.js'
import type { Logger } from '../log/logger.js'
import type { InFlight } from '../observers/metrics/in-flight.js'
import type { AdapterRegistry } from '../providers/adapter-registry.js'
import { RequestRelay, type RelayResult } from '../relay/relay-request.js'
import type { RequestOutcome, TokenUsage } from '../outcome/request-outcome.js'
import { requestStreamUsage } from '../relay/stream-usage-request.js'
import { outcomeUsage } from '../tokens/outcome-usage.js'
import type { TokenEstimator } from '../tokens/token-estimator.js'
import { planAttempts } from '../routing/plan-attempts.js'
import type { Clock } from '../time/clock.js'
import { admitRequest, unauthorized } from './admit-request.js'
import { answerRefusal } from './answer-refusal.js'
import type { BodyBudget } from './body-budget.js'
import { lazyJsonBody } from './parse-json-body.js'
import { readBody } from './read-body.js'
import { redactHeaders } from './redact-headers.js'
import { noRoutingFields, routingFields } from '../wire/routing-fields.js'

export interface RelayRouteDeps {
  readonly config: GatewayConfig
  readonly authenticator: Authenticator
  readonly adapters: AdapterRegistry
  readonly clock: Clock
  readonly random: () => number
  /** Takes the outcome and its usage, or the promise of an estimate still being counted. */
  readonly observe: (outcome: RequestOutcome, usage: TokenUsage | undefined | Promise<TokenUsage | undefined>) => void
  readonly draining: () => boolean
  readonly tokens: TokenEstimator
  /** Requests and streams in flight, for the metrics. */
  readonly inFlight: InFlight
  /** Request bodies in memory across all requests. */
  readonly bodyBudget: BodyBudget
  /** Failed attempts at warn; each attempt's start, commit and end at debug. */
  readonly logger: Logger
  /** Relays under way, so that shutdown can end them with `shutting_down` at its deadline. */
  readonly relays?: Set<RequestRelay>
}

/** What the edge has established about the request before the relay route sees it. */
export interface RelayTarget {
  readonly requestId: string
  /** Canonical (http/canonical-path.ts), starting with `/v1/`. */
  readonly pathname: string
  /** `?...` or empty. */
  readonly query: string
  /** The client sent `Expect: 100-continue` and waits for the invitation to send its body. */
  readonly expectsContinue: boolean
}

/** Bodies larger than this are not parsed for a token estimate (JSON.parse would hold the event loop too long). */
const maxEstimatedBodyBytes = 4 * 1024 * 1024

export async function handleRelay(deps: RelayRouteDeps, req: IncomingMessage, res: ServerResponse, target: RelayTarget): Promise<void> {
  const { config, clock } = deps
  const { requestId, pathname } = target
  const startedAt = clock.wallNow()
  const start = clock.now()
  const socket = req.socket
  const bytesOutBefore = socket.bytesWritten
  const inFlight = deps.inFlight
  inFlight.requests++

  let body: Buffer | null = null
  let releaseBody = (): void => {}
  let fields = noRoutingFields
  let json: () => Readonly<Record<string, unknown>> | null = () => null
  // Nothing before the key: the identity comes from the head, and a stranger nobody serves is refused unread.
  const identity = deps.authenticator.authenticate(req.headers.authorization)
  let result: RelayResult
  try {
    const mayUse = deps.authenticator.mayUse.bind(deps.authenticator)
    const isAvailable = deps.adapters.has.bind(deps.adapters)
    const admission = admitRequest({ identity, path: pathname, upstreams: config.upstreams, mayUse, isAvailable, maxBodyBytes: config.maxBodyBytes, maxAnonymousBodyBytes: config.maxAnonymousBodyBytes })
    if (admission.kind === 'refuse') throw admission.error
    const reading = readBody(req, { limit: admission.limit, timeoutMs: config.bodyTimeoutMs, budget: identity.kind === 'key' ? deps.bodyBudget : deps.bodyBudget.anonymous, clock })
    // Only now, with the key checked and the size acceptable, is the body invited.
    if (target.expectsContinue) res.writeContinue()
    const read = await reading
    body = read.body
    releaseBody = read.release
    fields = await routingFields(body, req.headers['content-type'])
    if (fields.stream) inFlight.streams++
    const model = fields.model ?? pathname
    const plan = planAttempts({ target: { model: fields.model, path: pathname }, identity, upstreams: config.upstreams, policy: config.lbPolicy, mayUse, isAvailable, random: deps.random })
    if (plan.kind === 'unauthorized') throw unauthorized(identity)
    if (plan.kind === 'no_model') {
      throw new GatewayError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, { param: 'model' })
    }
    const path = pathname.slice(3) + target.query
    const usageRequest = await requestStreamUsage(path, body, fields)
    json = lazyJsonBody(body, fields.scan)
    const relay = new RequestRelay({
      request: {
        requestId,
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body: usageRequest.body,
        // Parsed only if a translating adapter reads it.
        get json() {
          return json()
        },
        model,
        stream: fields.stream,
      },
      stripUsageChunk: fields.stream && !usageRequest.clientAskedUsage,
      res,
      plan: plan.attempts,
      adapterFor: (upstream) => deps.adapters.for(upstream),
      clock,
      closeConnection: deps.draining,
      logger: deps.logger,
    })
    const onClose = (): void => {
      if (!res.writableFinished) relay.clientGone()
    }
    res.on('close', onClose)
    // The client may have left while its body was being scanned.
    if (res.destroyed) relay.clientGone()
    deps.relays?.add(relay)
    try {
      result = await relay.run()
    } finally {
      deps.relays?.delete(relay)
    }
    res.off('close', onClose)
  } catch (error) {
    // Anything but a GatewayError is the gateway's own bug: a 500 that names nothing internal, and its stack in the log.
    const gatewayError = error instanceof GatewayError ? error : internalError(error)
    if (gatewayError.code === 'internal_error') deps.logger.error('internal error', { requestId, ...internalErrorFields(gatewayError) })
    // A response already under way cannot carry an error any more: cut it, so it is not taken for a whole one.
    if (res.headersSent) res.destroy()
    else answerRefusal(req, res, gatewayError, { requestId, clock, closeConnection: deps.draining() })
    result = { status: gatewayError.status, errorCode: gatewayError.code, upstream: undefined, attempts: [], firstByteMs: undefined, captured: undefined }
  }
  releaseBody()
  inFlight.requests--
  if (fields.stream) inFlight.streams--
  const finished: RequestOutcome = {
    requestId,
    startedAt,
    method: req.method ?? 'GET',
    path: pathname,
    clientIp: socket.remoteAddress ?? '',
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
    identity: identity.kind === 'key' ? { kind: 'key', fingerprint: identity.fingerprint } : identity.fingerprint === undefined ? anonymous : { kind: 'anonymous', fingerprint: identity.fingerprint },
    model: fields.model ?? pathname,
    stream: fields.stream,
    upstream: result.upstream?.name,
    attempts: result.attempts,
    status: result.status,
    errorCode: result.errorCode,
    firstByteMs: result.firstByteMs,
    totalMs: clock.now() - start,
    bytesIn: body?.length ?? 0,
    bytesOut: socket.bytesWritten - bytesOutBefore,
    // Only a JSON body is kept: an upload (audio, files) is neither readable in a record nor small.
    requestBody: fields.scan === undefined ? null : body,
    requestHeaders: redactHeaders(req.headers),
    usage: undefined,
    responseText: result.captured?.text,
  }
  const estimable = body !== null && body.length <= maxEstimatedBodyBytes
  deps.observe(finished, outcomeUsage(result.status, result.captured, () => (estimable ? json() : null), deps.tokens))
}

const anonymous = Object.freeze({ kind: 'anonymous' as const })
