// The OpenAI-compatible pass-through adapter: bytes unchanged in both directions, over undici dispatch().
import type { UpstreamConfig } from '../../config/gateway-config.js'
import type { UpstreamClients } from '../upstream-clients.js'
import type { AttemptControl, ProviderAdapter, ResponseSink, UpstreamRequest } from '../provider-adapter.js'
import { PassThroughHandler } from '../pass-through-handler.js'
import { buildUpstreamHeaders } from '../upstream-headers.js'
import { splitEndpoint } from '../split-endpoint.js'

export class OpenAIAdapter implements ProviderAdapter {
  readonly type = 'openai' as const
  readonly #clients: UpstreamClients

  constructor(clients: UpstreamClients) {
    this.#clients = clients
  }

  send(request: UpstreamRequest, upstream: UpstreamConfig, sink: ResponseSink): AttemptControl {
    const { origin, basePath } = splitEndpoint(upstream.endpoint)
    const handler = new PassThroughHandler(sink, upstream.name)
    this.#clients.pool(origin).dispatch(
      {
        method: request.method,
        path: basePath + request.path,
        headers: buildUpstreamHeaders(request.headers, upstream, request.requestId),
        body: request.body,
      },
      handler,
    )
    return handler
  }
}
