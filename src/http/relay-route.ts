// /v1/*: the request lifecycle, in order — body, routing fields, identity, plan, relay, outcome.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Authenticator } from '../auth/authenticate.js'
import type { GatewayConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { InFlight } from '../observers/metrics/in-flight.js'
import type { AdapterRegistry } from '../providers/adapter-registry.js'
import { RequestRelay, type RelayResult } from '../relay/relay-request.js'
import type { RequestOutcome, TokenUsage } from '../relay/request-outcome.js'
import { requestStreamUsage } from '../relay/stream-usage-request.js'
import { outcomeUsage } from '../tokens/outcome-usage.js'
import type { TokenEstimator } from '../tokens/token-estimator.js'
import { planAttempts } from '../routing/plan-attempts.js'
import type { Clock } from '../time/clock.js'
import { readBody, tooLarge } from './read-body.js'
import { redactHeaders } from './redact-headers.js'
import { refuseBody } from './refuse-body.js'
import { routingFields } from './routing-fields.js'
import { sendError } from './send-error.js'

export interface RelayRouteDeps {
  readonly config: GatewayConfig
  readonly authenticator: Authenticator
  readonly adapters: AdapterRegistry
  readonly clock: Clock
  readonly random: () => number
  /** Takes the outcome, or its promise while a token estimate is counted; observers get them in order. */
  readonly observe: (outcome: RequestOutcome | Promise<RequestOutcome>) => void
  readonly draining: () => boolean
  readonly tokens: TokenEstimator
  /** Requests and streams in flight, for the metrics. */
  readonly inFlight: InFlight
  /** Relays under way, so that shutdown can end them with `shutting_down` at its deadline. */
  readonly relays?: Set<RequestRelay>
}

export async function handleRelay(deps: RelayRouteDeps, req: IncomingMessage, res: ServerResponse, requestId: string, pathname: string, query: string): Promise<void> {
  const { config, clock } = deps
  const startedAt = clock.wallNow()
  const start = clock.now()
  const socket = req.socket
  const bytesOutBefore = socket.bytesWritten
  const closeHeaders = (): string[] => (deps.draining() ? ['connection', 'close'] : [])
  const inFlight = deps.inFlight
  inFlight.requests++

  let body: Buffer | null = null
  const identity = deps.authenticator.authenticate(req.headers.authorization)
  let model = pathname
  let stream = false
  let json: Readonly<Record<string, unknown>> | null = null
  let result: RelayResult
  try {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > config.maxBodyBytes) throw tooLarge(config.maxBodyBytes)
    body = await readBody(req, config.maxBodyBytes)
    const fields = routingFields(body, req.headers['content-type'], pathname)
    model = fields.model
    stream = fields.stream
    json = fields.json
    if (stream) inFlight.streams++
    const plan = planAttempts({
      model,
      identity,
      upstreams: config.upstreams,
      policy: config.lbPolicy,
      mayUse: (id, upstream) => deps.authenticator.mayUse(id, upstream),
      isAvailable: (upstream) => deps.adapters.has(upstream),
      random: deps.random,
    })
    if (plan.kind === 'unauthorized') {
      throw new GatewayError('invalid_api_key', identity.kind === 'anonymous' && identity.presentedKey ? 'Incorrect API key provided.' : 'You didn\'t provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).')
    }
    if (plan.kind === 'no_model') {
      throw new GatewayError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, { param: 'model' })
    }
    const path = pathname.slice(3) + query
    const usageRequest = requestStreamUsage(path, body, json)
    const relay = new RequestRelay({
      request: { requestId, method: req.method ?? 'GET', path, headers: req.headers, body: usageRequest.body, json, model, stream },
      stripUsageChunk: stream && !usageRequest.clientAskedUsage,
      res,
      plan: plan.attempts,
      adapterFor: (upstream) => deps.adapters.for(upstream),
      clock,
      closeConnection: deps.draining,
    })
    const onClose = (): void => {
      if (!res.writableFinished) relay.clientGone()
    }
    res.on('close', onClose)
    deps.relays?.add(relay)
    try {
      result = await relay.run()
    } finally {
      deps.relays?.delete(relay)
    }
    res.off('close', onClose)
  } catch (error) {
    const gatewayError = error instanceof GatewayError ? error : new GatewayError('upstream_error', 'internal error', { cause: error })
    if (gatewayError.code === 'request_too_large') {
      // Answer, then let the client finish sending: it must read the 413, not a reset.
      refuseBody(req, res, gatewayError, requestId, clock)
    } else if (gatewayError.code !== 'client_closed') {
      sendError(res, gatewayError, requestId, closeHeaders())
    }
    result = { status: gatewayError.status, errorCode: gatewayError.code, upstream: undefined, attempts: [], firstByteMs: undefined, captured: undefined }
  }
  inFlight.requests--
  if (stream) inFlight.streams--
  const finished: RequestOutcome = {
    requestId,
    startedAt,
    method: req.method ?? 'GET',
    path: pathname,
    clientIp: socket.remoteAddress ?? '',
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
    identity: identity.kind === 'key' ? { kind: 'key', fingerprint: identity.fingerprint } : identity.fingerprint === undefined ? anonymous : { kind: 'anonymous', fingerprint: identity.fingerprint },
    model,
    stream,
    upstream: result.upstream?.name,
    attempts: result.attempts,
    status: result.status,
    errorCode: result.errorCode,
    firstByteMs: result.firstByteMs,
    totalMs: clock.now() - start,
    bytesIn: body?.length ?? 0,
    bytesOut: socket.bytesWritten - bytesOutBefore,
    // Only a JSON body is kept: an upload (audio, files) is neither readable in a record nor small.
    requestBody: json === null ? null : body,
    requestHeaders: redactHeaders(req.headers),
    usage: undefined,
    responseText: result.captured?.text,
  }
  const usage = outcomeUsage(result.status, result.captured, json, deps.tokens)
  deps.observe(usage instanceof Promise ? usage.then((estimated) => withUsage(finished, estimated)) : withUsage(finished, usage))
}

/** Completes the outcome in place (it has not been observed yet): reported usage is known at once, an estimate later. */
function withUsage(finished: RequestOutcome, usage: TokenUsage | undefined): RequestOutcome {
  const outcome = finished as { -readonly [K in keyof RequestOutcome]: RequestOutcome[K] }
  outcome.usage = usage
  return outcome
}

const anonymous = Object.freeze({ kind: 'anonymous' as const })
