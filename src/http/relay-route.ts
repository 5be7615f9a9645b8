// /v1/*: the request lifecycle as named steps, in order: read the request (identity from the head, admission, body,
// routing fields), plan the attempts, relay, then build the outcome, whichever step ended the request.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Authenticator, ClientIdentity } from '../auth/authenticate.js'
import type { GatewayConfig, UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { internalError, internalErrorFields } from '../errors/internal-error.js'
import type { Logger } from '../log/logger.js'
import type { InFlight } from '../observers/metrics/in-flight.js'
import type { AdapterRegistry } from '../providers/adapter-registry.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import { buildOutcome } from '../relay/build-outcome.js'
import { RequestRelay, type RelayResult } from '../relay/relay-request.js'
import type { RequestOutcome, TokenUsage } from '../outcome/request-outcome.js'
import { requestStreamUsage } from '../relay/stream-usage-request.js'
import { outcomeUsage } from '../tokens/outcome-usage.js'
import type { TokenEstimator } from '../tokens/token-estimator.js'
import type { LatencyTracker } from '../routing/latency-tracker.js'
import { fallbackPlans, planForModel, type ModelPlanContext } from './plan-for-model.js'
import { UpstreamModelRequests } from '../relay/upstream-model-request.js'
import type { ModelFallbacks } from '../relay/model-fallbacks.js'
import type { Clock } from '../time/clock.js'
import { admitRequest, unauthorized } from './admit-request.js'
import { mayUseModel } from '../auth/key-model-scope.js'
import { multipartField } from '../wire/multipart-field.js'
import { checkLimits, type LimitTicket, type RouteLimits } from './limit-step.js'
import { answerRefusal } from './answer-refusal.js'
import type { BodyBudget } from './body-budget.js'
import { lazyJsonBody } from './parse-json-body.js'
import { readBody } from './read-body.js'
import { redactHeaders } from './redact-headers.js'
import { noRoutingFields, routingFields, type RoutingFields } from '../wire/routing-fields.js'
import type { HealthBoard } from '../state/health-board.js'
import type { RequestHealth } from '../state/request-health.js'

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
  /** Time to first byte per upstream, for `lb_policy: latency` (fed by every attempt while that policy is on). */
  readonly latency?: LatencyTracker
  /** The upstreams' breakers: open ones go to the end of each plan, and every attempt is reported to them. */
  readonly health: HealthBoard
  /** Named keys' limits (docs/keys-and-limits.md); unset: no key has any. */
  readonly limits?: RouteLimits
}

/** What the edge has established about the request before the relay route sees it. */
export interface RelayTarget {
  readonly requestId: string
  /** Canonical (wire/canonical-path.ts), starting with `/v1/`. */
  readonly pathname: string
  /** `?...` or empty. */
  readonly query: string
  /** The client sent `Expect: 100-continue` and waits for the invitation to send its body. */
  readonly expectsContinue: boolean
}

export interface RelayRouteOptions {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly target: RelayTarget
  readonly deps: RelayRouteDeps
}

/** Bodies larger than this are not parsed for a token estimate (JSON.parse would hold the event loop too long). */
const maxEstimatedBodyBytes = 4 * 1024 * 1024

/** What is known of the request so far: filled in as the steps go, read by the outcome whichever step ended it. */
interface Exchange {
  /** Wall-clock start, ms since the epoch, and the monotonic one. */
  readonly startedAt: number
  readonly start: number
  readonly bytesOutBefore: number
  readonly identity: ClientIdentity
  /** Which upstreams this identity may use, and which the gateway can reach: read by admission and the plan. */
  readonly mayUse: (identity: ClientIdentity, upstream: UpstreamConfig) => boolean
  readonly isAvailable: (upstream: UpstreamConfig) => boolean
  body: Buffer | null
  releaseBody: () => void
  fields: RoutingFields
  json: () => Readonly<Record<string, unknown>> | null
  /** The model name each upstream is sent, once the relay has begun. */
  models: UpstreamModelRequests | undefined
  /** The fallback models' plans and requests, when the requested model has `model_fallbacks`. */
  fallbacks: ModelFallbacks | undefined
}

const nothingToRelease = (): void => {}
const noJson = (): null => null

/** The upstreams to try, in order, for a request that may be relayed. */
interface Plan {
  readonly attempts: readonly UpstreamConfig[]
  readonly model: string
  /** Moved to the end because their breaker was open. */
  readonly skipped: readonly UpstreamConfig[]
  readonly health: RequestHealth
}

export async function handleRelay(options: RelayRouteOptions): Promise<void> {
  const exchange = beginExchange(options)
  let result: RelayResult
  let plan: Plan | undefined
  let ticket: LimitTicket | undefined
  try {
    await readRequest(options, exchange)
    plan = planRelay(options, exchange)
    const admission = admitUnderLimits(options, exchange, plan)
    if (admission !== undefined) ticket = await admission
    result = await relay(options, exchange, plan, ticket)
  } catch (error) {
    result = refuse(options, error)
  } finally {
    plan?.health.finished()
    exchange.fallbacks?.finished()
  }
  observeOutcome(options, exchange, result, plan?.skipped ?? [], ticket)
}

function beginExchange({ req, deps }: RelayRouteOptions): Exchange {
  const { clock } = deps
  const startedAt = clock.wallNow()
  const start = clock.now()
  const bytesOutBefore = req.socket.bytesWritten
  deps.inFlight.requests++
  return {
    startedAt,
    start,
    bytesOutBefore,
    // Nothing before the key: the identity comes from the head, and a stranger nobody serves is refused unread.
    identity: deps.authenticator.authenticate(req.headers.authorization),
    mayUse: deps.authenticator.mayUse.bind(deps.authenticator),
    isAvailable: deps.adapters.has.bind(deps.adapters),
    body: null,
    releaseBody: nothingToRelease,
    fields: noRoutingFields,
    json: noJson,
    models: undefined,
    fallbacks: undefined,
  }
}

/** Admission from the head, then the body (within its limit and the shared budget), then its routing fields. */
async function readRequest({ req, res, target, deps }: RelayRouteOptions, exchange: Exchange): Promise<void> {
  const { config, clock } = deps
  const { identity } = exchange
  const admission = admitRequest({
    identity,
    path: target.pathname,
    upstreams: config.upstreams,
    mayUse: exchange.mayUse,
    isAvailable: exchange.isAvailable,
    maxBodyBytes: config.maxBodyBytes,
    maxAnonymousBodyBytes: config.maxAnonymousBodyBytes,
  })
  if (admission.kind === 'refuse') throw admission.error
  const budget = identity.kind === 'key' ? deps.bodyBudget : deps.bodyBudget.anonymous
  const reading = readBody(req, { limit: admission.limit, timeoutMs: config.bodyTimeoutMs, budget, clock })
  // Only now, with the key checked and the size acceptable, is the body invited.
  if (target.expectsContinue) res.writeContinue()
  const read = await reading
  exchange.body = read.body
  exchange.releaseBody = () => read.release()
  exchange.fields = await routingFields(read.body, req.headers['content-type'])
  exchange.json = lazyJsonBody(read.body, exchange.fields.scan)
  if (exchange.fields.stream) deps.inFlight.streams++
}

/**
 * The upstreams this client may use for this model or path, in the policy's order with open upstreams last; throws
 * when there are none, or when every one asked to be left alone for now.
 */
function planRelay({ req, target, deps }: RelayRouteOptions, exchange: Exchange): Plan {
  const { fields, identity } = exchange
  refuseFormModelOutsideKey(req, exchange)
  const model = fields.model ?? target.pathname
  const plan = planForModel(fields.model, modelPlanContext({ target, deps }, exchange))
  switch (plan.kind) {
    case 'unauthorized':
      throw unauthorized(identity)
    case 'no_model':
      throw new GatewayError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, {
        param: 'model',
      })
    case 'rate_limited': {
      const { retryAfterMs } = plan
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
      throw new GatewayError('rate_limit_exceeded', `Every upstream for \`${model}\` is rate-limited; retry in ${seconds} s.`, {
        retryAfterMs,
      })
    }
    case 'attempts':
      return { attempts: plan.attempts, model, skipped: plan.skipped, health: plan.health }
  }
}

/**
 * An upload (an audio transcription, an image edit) names its model in a form field, which routing does not read: a
 * named key limited to some models may not reach another model that way either.
 */
function refuseFormModelOutsideKey(req: IncomingMessage, { identity, fields, body }: Exchange): void {
  if (fields.model !== undefined || body === null || identity.kind !== 'key' || identity.named === undefined) return
  if (identity.named.models.length === 0) return
  const formModel = multipartField(body, req.headers['content-type'], 'model')
  if (formModel !== undefined && !mayUseModel(identity, formModel))
    throw new GatewayError('model_not_found', `The model \`${formModel}\` does not exist or you do not have access to it.`, {
      param: 'model',
    })
}

function modelPlanContext({ target, deps }: Pick<RelayRouteOptions, 'target' | 'deps'>, exchange: Exchange): ModelPlanContext {
  return {
    config: deps.config,
    identity: exchange.identity,
    path: target.pathname,
    mayUse: exchange.mayUse,
    isAvailable: exchange.isAvailable,
    random: deps.random,
    latency: deps.latency,
    health: deps.health,
  }
}

/** A named key's limits: the request is admitted (holding its reservation and slot) or refused with its 429. */
function admitUnderLimits({ target, deps }: RelayRouteOptions, exchange: Exchange, plan: Plan): Promise<LimitTicket> | undefined {
  return checkLimits(deps.limits, {
    identity: exchange.identity,
    requestId: target.requestId,
    model: plan.model,
    path: target.pathname.slice(3),
    json: exchange.json,
    tokens: deps.tokens,
  })
}

/** Tries the planned upstreams until one's answer reaches the client; a client that leaves aborts it at once. */
async function relay(
  { req, res, target, deps }: RelayRouteOptions,
  exchange: Exchange,
  plan: Plan,
  ticket: LimitTicket | undefined,
): Promise<RelayResult> {
  const { body, fields, json } = exchange
  const path = target.pathname.slice(3) + target.query
  const usageRequest = await requestStreamUsage(path, body, fields)
  const request: UpstreamRequest = {
    requestId: target.requestId,
    method: req.method ?? 'GET',
    path,
    headers: req.headers,
    body: usageRequest.body,
    // Parsed only if a translating adapter reads it.
    get json() {
      return json()
    },
    model: plan.model,
    stream: fields.stream,
  }
  const models = new UpstreamModelRequests({ request, clientModel: fields.model, modelSpan: usageRequest.modelSpan })
  exchange.models = models
  const fallbacks = fallbackPlans({
    requested: fields.model,
    fallbacks: deps.config.modelFallbacks,
    context: modelPlanContext({ target, deps }, exchange),
    request,
    modelSpan: usageRequest.modelSpan,
  })
  exchange.fallbacks = fallbacks
  const latency = deps.config.lbPolicy === 'latency' ? deps.latency : undefined
  const relay = new RequestRelay({
    request,
    requestFor: (upstream) => models.requestFor(upstream),
    ...(latency === undefined ? {} : { onAttemptTiming: (upstream, timing) => latency.record(upstream.name, timing) }),
    stripUsageChunk: usageRequest.stripUsageChunk,
    res,
    plan: plan.attempts,
    adapterFor: (upstream) => deps.adapters.for(upstream),
    clock: deps.clock,
    closeConnection: deps.draining,
    logger: deps.logger,
    random: deps.random,
    ...(fallbacks === undefined ? {} : { nextLeg: fallbacks.nextLeg }),
    modelHeader: Object.keys(deps.config.modelFallbacks).length > 0,
    health: plan.health,
    ...(ticket === undefined ? {} : { ownHeaders: ticket.ownHeaders }),
  })
  const onClose = (): void => {
    if (!res.writableFinished) relay.clientGone()
  }
  res.on('close', onClose)
  // The client may have left while its body was being scanned.
  if (res.destroyed) relay.clientGone()
  deps.relays?.add(relay)
  let result: RelayResult
  try {
    result = await relay.run()
  } finally {
    deps.relays?.delete(relay)
  }
  res.off('close', onClose)
  return result
}

/** A refusal or failure before any upstream answered. Anything but a GatewayError is the gateway's own bug. */
function refuse({ req, res, target, deps }: RelayRouteOptions, error: unknown): RelayResult {
  const { requestId } = target
  // A 500 that names nothing internal, and its stack in the log.
  const gatewayError = error instanceof GatewayError ? error : internalError(error)
  if (gatewayError.code === 'internal_error') deps.logger.error('internal error', { requestId, ...internalErrorFields(gatewayError) })
  // A response already under way cannot carry an error any more: cut it, so it is not taken for a whole one.
  if (res.headersSent) res.destroy()
  else answerRefusal(req, res, gatewayError, { requestId, clock: deps.clock, closeConnection: deps.draining() })
  return {
    status: gatewayError.status,
    errorCode: gatewayError.code,
    upstream: undefined,
    model: undefined,
    attempts: [],
    firstByteMs: undefined,
    captured: undefined,
  }
}

/** The request is over: its body and in-flight counts are let go, and its outcome goes to the observers. */
function observeOutcome(
  { req, target, deps }: RelayRouteOptions,
  exchange: Exchange,
  result: RelayResult,
  skipped: readonly UpstreamConfig[],
  ticket: LimitTicket | undefined,
): void {
  const { body, fields } = exchange
  exchange.releaseBody()
  deps.inFlight.requests--
  if (fields.stream) deps.inFlight.streams--
  const outcome = buildOutcome({
    req,
    requestId: target.requestId,
    path: target.pathname,
    identity: exchange.identity,
    fields,
    body,
    requestHeaders: redactHeaders(req.headers),
    startedAt: exchange.startedAt,
    totalMs: deps.clock.now() - exchange.start,
    bytesOut: req.socket.bytesWritten - exchange.bytesOutBefore,
    result,
    upstreamModel: result.upstream === undefined ? undefined : modelsOf(exchange, result)?.modelFor(result.upstream),
    skippedOpen: skipped,
  })
  const estimable = body !== null && body.length <= maxEstimatedBodyBytes
  const usage = outcomeUsage(result.status, result.captured, () => (estimable ? exchange.json() : null), deps.tokens)
  ticket?.finish(
    { status: result.status, model: outcome.model, upstreamModel: outcome.upstreamModel, reachedUpstream: result.attempts.length > 0 },
    usage,
  )
  deps.observe(outcome, usage)
}

/** The requests of the model that answered: the requested one's, or a fallback's. */
function modelsOf(exchange: Exchange, result: RelayResult): UpstreamModelRequests | undefined {
  const fallback = result.model === undefined ? undefined : exchange.fallbacks?.requestsOf(result.model)
  return fallback ?? exchange.models
}
