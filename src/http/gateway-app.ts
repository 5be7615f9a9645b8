// The HTTP edge: request id, refused methods and non-canonical paths, then one of preflight, health, metrics,
// a key's own usage, the relay, the admin endpoints, or a 404 — nothing else.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { GatewayError } from '../errors/gateway-error.js'
import { internalError, internalErrorFields } from '../errors/internal-error.js'
import type { Logger } from '../log/logger.js'
import type { MetricsEndpoint } from '../observers/metrics/metrics-endpoint.js'
import { answerRefusal } from './answer-refusal.js'
import { adminPrefix, answerAdmin, type AdminRouteDeps } from './admin-route.js'
import { canonicalPath, originForm } from '../wire/canonical-path.js'
import { answerPreflight } from '../wire/cors.js'
import { answerHealth, answerReady } from './health-routes.js'
import { answerMetrics, metricsPaths } from './metrics-route.js'
import { methodNotAllowed, refusedMethods } from './refused-methods.js'
import { handleRelay, type RelayRouteDeps } from './relay-route.js'
import { requestIdFor } from './request-id.js'
import { answerUsage, usagePath } from './usage-route.js'
import { sendError } from '../wire/send-error.js'

export interface GatewayAppDeps extends RelayRouteDeps, AdminRouteDeps {
  readonly logger: Logger
  readonly usableUpstreams: number
  /** The short hash of the config these deps were made from (`x-config-version`, /readyz). */
  readonly configVersion: string
  readonly metrics: MetricsEndpoint
  /** False until the records database has first been reached (its schema in place). */
  readonly recordsReady?: () => boolean
}

/** `expectsContinue`: the request came through 'checkContinue' and its body waits for 100 Continue. */
export type GatewayRequestListener = (req: IncomingMessage, res: ServerResponse, expectsContinue?: boolean) => void

export function createRequestListener(deps: GatewayAppDeps): GatewayRequestListener {
  return function gatewayRequest(req, res, expectsContinue = false) {
    const requestId = requestIdFor(req.headers['x-request-id'])
    try {
      route(deps, req, res, { requestId, expectsContinue })
    } catch (error) {
      answerInternalError(deps.logger, res, requestId, error)
    }
  }
}

/**
 * An exception nobody expected, thrown or rejected anywhere on the request path: the gateway's own bug. It is
 * logged with its stack; the client gets a 500 internal_error naming nothing internal, or a cut connection when
 * its answer had already begun.
 */
function answerInternalError(logger: Logger, res: ServerResponse, requestId: string, error: unknown): void {
  logger.error('internal error', { requestId, ...internalErrorFields(error) })
  if (res.headersSent) res.destroy()
  else sendError(res, internalError(error), requestId, ['connection', 'close'])
}

function route(
  deps: GatewayAppDeps,
  req: IncomingMessage,
  res: ServerResponse,
  options: { requestId: string; expectsContinue: boolean },
): void {
  const { requestId, expectsContinue } = options
  const refuse = (error: GatewayError): void =>
    answerRefusal(req, res, error, { requestId, clock: deps.clock, closeConnection: deps.draining() })
  if (refusedMethods.has(req.method ?? '')) {
    refuse(methodNotAllowed(req.method ?? ''))
    return
  }
  const url = originForm(req.url ?? '/')
  if (url.includes('#')) {
    refuse(new GatewayError('invalid_path', 'The request target has a fragment (#); send it without one.'))
    return
  }
  const q = url.indexOf('?')
  // Refused before routing: what allow/deny and the endpoint's path see must be what the upstream resolves.
  const pathname = canonicalPath(q === -1 ? url : url.slice(0, q))
  if (pathname === undefined) {
    const message = url.startsWith('/')
      ? 'The request path has dot segments, encoded slashes or backslashes, or malformed escapes; send its canonical form.'
      : 'The request target must be a path such as /v1/models.'
    refuse(new GatewayError('invalid_path', message))
    return
  }
  const query = q === -1 ? '' : url.slice(q)
  if (metricsPaths.has(pathname)) {
    answerMetrics(deps.metrics, req, res, requestId).catch((error: unknown) => answerInternalError(deps.logger, res, requestId, error))
    return
  }
  if (pathname === usagePath && (req.method === 'GET' || req.method === 'HEAD')) {
    answerUsage({ authenticator: deps.authenticator, limitStore: deps.limits?.store }, req, res, requestId).catch((error: unknown) =>
      answerInternalError(deps.logger, res, requestId, error),
    )
    return
  }
  if (pathname.startsWith('/v1/')) {
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, requestId)
      return
    }
    handleRelay({ req, res, target: { requestId, pathname, query, expectsContinue }, deps }).catch((error: unknown) =>
      answerInternalError(deps.logger, res, requestId, error),
    )
    return
  }
  if (pathname.startsWith(adminPrefix)) {
    answerAdmin(deps, req, res, { pathname, requestId }).catch((error: unknown) => answerInternalError(deps.logger, res, requestId, error))
    return
  }
  if (pathname === '/healthz') {
    answerHealth(res, requestId)
    return
  }
  if (pathname === '/readyz') {
    answerReady(res, requestId, {
      draining: deps.draining(),
      usableUpstreams: deps.usableUpstreams,
      recordsReady: deps.recordsReady?.() ?? true,
      configVersion: deps.configVersion,
    })
    return
  }
  req.resume()
  sendError(res, new GatewayError('not_found', `Unknown path ${pathname}: the API is served under /v1/`), requestId)
}
