// The chat completions request a translating adapter serves: anything else is not something it can translate.
import { GatewayError } from '../errors/gateway-error.js'
import type { JsonRecord } from './json-fields.js'
import type { UpstreamRequest } from './provider-adapter.js'

/** The client's JSON body, when the request is `POST /v1/chat/completions`. */
export function chatRequestOf(request: UpstreamRequest, provider: string): JsonRecord {
  const query = request.path.indexOf('?')
  const path = query === -1 ? request.path : request.path.slice(0, query)
  if (request.method !== 'POST' || path !== '/chat/completions') {
    throw new GatewayError(
      'upstream_unsupported',
      `${provider} upstreams serve only POST /v1/chat/completions, not ${request.method} /v1${path}`,
    )
  }
  if (request.json === null) throw new GatewayError('invalid_request', 'The body must be a JSON object', { status: 400 })
  return request.json
}
