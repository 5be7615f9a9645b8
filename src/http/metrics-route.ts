// GET /metrics and /v1/metrics (the predecessor's path): Prometheus text, behind `metrics.key` when one is set.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { GatewayError } from '../errors/gateway-error.js'
import type { MetricsEndpoint } from '../observers/metrics/metrics-endpoint.js'
import { prometheusContentType } from '../observers/metrics/prometheus-text.js'
import { sendError } from '../wire/send-error.js'

export const metricsPaths: ReadonlySet<string> = new Set(['/metrics', '/v1/metrics'])

export async function answerMetrics(
  endpoint: MetricsEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  req.resume()
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, new GatewayError('method_not_allowed', `Use GET for metrics, not ${req.method ?? 'no method'}.`), requestId, [
      'allow',
      'GET, HEAD',
    ])
    return
  }
  if (!endpoint.authorize(req.headers.authorization)) {
    sendError(
      res,
      new GatewayError('invalid_api_key', 'Scraping metrics needs the metrics key: send it as Authorization: Bearer <key>.'),
      requestId,
      ['www-authenticate', 'Bearer'],
    )
    return
  }
  const body = Buffer.from(await endpoint.scrape())
  res.writeHead(200, [
    'content-type',
    prometheusContentType,
    'content-length',
    String(body.length),
    'cache-control',
    'no-store',
    'x-request-id',
    requestId,
  ])
  res.end(req.method === 'HEAD' ? undefined : body)
}
