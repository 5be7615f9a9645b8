// The HTTP edge: request id, then one of preflight, health, metrics, the relay, or a 404 — nothing else.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { GatewayError } from '../errors/gateway-error.js'
import type { Logger } from '../log/logger.js'
import type { MetricsEndpoint } from '../observers/metrics/metrics-endpoint.js'
import { answerPreflight } from './cors.js'
import { answerHealth, answerReady } from './health-routes.js'
import { answerMetrics, metricsPaths } from './metrics-route.js'
import { handleRelay, type RelayRouteDeps } from './relay-route.js'
import { requestIdFor } from './request-id.js'
import { sendError } from './send-error.js'

export interface GatewayAppDeps extends RelayRouteDeps {
  readonly logger: Logger
  readonly usableUpstreams: number
  readonly metrics: MetricsEndpoint
  /** False until the records database has first been reached (its schema in place). */
  readonly recordsReady?: () => boolean
}

export function createRequestListener(deps: GatewayAppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return function gatewayRequest(req, res) {
    const requestId = requestIdFor(req.headers['x-request-id'])
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const pathname = q === -1 ? url : url.slice(0, q)
    const query = q === -1 ? '' : url.slice(q)
    if (metricsPaths.has(pathname)) {
      answerMetrics(deps.metrics, req, res, requestId).catch((error: unknown) => {
        deps.logger.error('metrics scrape failed', { requestId, error: String(error) })
        if (!res.headersSent) sendError(res, new GatewayError('upstream_error', 'internal error'), requestId)
        else res.destroy()
      })
      return
    }
    if (pathname.startsWith('/v1/')) {
      if (req.method === 'OPTIONS') {
        answerPreflight(req, res, requestId)
        return
      }
      handleRelay(deps, req, res, requestId, pathname, query).catch((error: unknown) => {
        deps.logger.error('request failed unexpectedly', { requestId, error: String(error) })
        if (!res.headersSent) sendError(res, new GatewayError('upstream_error', 'internal error'), requestId)
        else res.destroy()
      })
      return
    }
    if (pathname === '/healthz') {
      answerHealth(res, requestId)
      return
    }
    if (pathname === '/readyz') {
      answerReady(res, requestId, { draining: deps.draining(), usableUpstreams: deps.usableUpstreams, recordsReady: deps.recordsReady?.() ?? true })
      return
    }
    req.resume()
    sendError(res, new GatewayError('not_found', `Unknown path ${pathname}: the API is served under /v1/`), requestId)
  }
}
