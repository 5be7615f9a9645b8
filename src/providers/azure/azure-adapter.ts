// The Azure OpenAI adapter: the OpenAI pass-through with Azure's deployment URLs, api-version and api-key header.
import type { UpstreamConfig } from '../../config/gateway-config.js'
import type { UpstreamClients } from '../upstream-clients.js'
import { PassThroughHandler } from '../pass-through-handler.js'
import { buildUpstreamHeaders, type Authorize } from '../upstream-headers.js'
import type { AttemptControl, ProviderAdapter, ResponseSink, UpstreamRequest } from '../provider-adapter.js'
import { splitEndpoint } from '../split-endpoint.js'
import { azurePath } from './azure-path.js'

/** The key goes in `api-key`; with `sk: asis` the client's Authorization (an Entra ID token) is forwarded. */
const azureAuthorization: Authorize = (credential, clientAuthorization) => {
  switch (credential.kind) {
    case 'key':
      return ['api-key', credential.key]
    case 'client':
      return clientAuthorization === undefined ? [] : ['authorization', clientAuthorization]
    case 'none':
      return []
  }
}

export class AzureAdapter implements ProviderAdapter {
  readonly type = 'azure' as const
  readonly #clients: UpstreamClients

  constructor(clients: UpstreamClients) {
    this.#clients = clients
  }

  send(request: UpstreamRequest, upstream: UpstreamConfig, sink: ResponseSink): AttemptControl {
    const { origin, basePath } = splitEndpoint(upstream.endpoint)
    const path = azurePath({
      basePath,
      clientPath: request.path,
      model: request.model,
      deployments: upstream.deployments,
      apiVersion: upstream.apiVersion,
    })
    const handler = new PassThroughHandler(sink, upstream.name)
    this.#clients.pool(origin).dispatch(
      {
        method: request.method,
        path,
        headers: buildUpstreamHeaders(request.headers, upstream, request.requestId, azureAuthorization),
        body: request.body,
      },
      handler,
    )
    return handler
  }
}
