// The Anthropic adapter: OpenAI chat completions in, POST {endpoint}/messages out, the answer translated back.
import type { UpstreamConfig } from '../../config/gateway-config.js'
import { GatewayError } from '../../errors/gateway-error.js'
import type { UpstreamClients } from '../upstream-clients.js'
import type { Clock } from '../../time/clock.js'
import { chatRequestOf } from '../chat-request.js'
import { PassThroughHandler } from '../pass-through-handler.js'
import { buildTranslatedHeaders, type Authorize } from '../upstream-headers.js'
import { bearerToken } from '../../wire/bearer-token.js'
import { finishedAttempt, OpenAIResponseWriter } from '../openai-response-writer.js'
import type { AttemptControl, ProviderAdapter, ResponseSink, UpstreamRequest } from '../provider-adapter.js'
import { splitEndpoint } from '../split-endpoint.js'
import { anthropicVersion } from './anthropic-messages.js'
import { AnthropicResponseSink } from './anthropic-response-sink.js'
import { openaiToAnthropic, type AnthropicTranslation } from './openai-to-anthropic.js'

/** The key goes in `x-api-key`; with `sk: asis` the client's bearer token is sent there. */
const apiKeyAuthorization: Authorize = (credential, clientAuthorization) => {
  switch (credential.kind) {
    case 'key':
      return ['x-api-key', credential.key]
    case 'client': {
      const token = bearerToken(clientAuthorization)
      return token === undefined ? [] : ['x-api-key', token]
    }
    case 'none':
      return []
  }
}

export class AnthropicAdapter implements ProviderAdapter {
  readonly type = 'anthropic' as const
  readonly #clients: UpstreamClients
  readonly #clock: Clock

  constructor(clients: UpstreamClients, clock: Clock) {
    this.#clients = clients
    this.#clock = clock
  }

  send(request: UpstreamRequest, upstream: UpstreamConfig, sink: ResponseSink): AttemptControl {
    const writer = new OpenAIResponseWriter(sink)
    let translation: AnthropicTranslation
    try {
      translation = openaiToAnthropic(chatRequestOf(request, 'Anthropic'))
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error
      writer.reject(error)
      return finishedAttempt
    }
    const stream = translation.body.stream === true
    const answer = new AnthropicResponseSink(writer, {
      stream,
      // Always end a stream with usage, for records and metrics; the relay removes the chunk when the
      // client did not ask for it, as it does for OpenAI upstreams.
      includeUsage: stream,
      created: Math.floor(this.#clock.wallNow() / 1000),
      model: translation.body.model,
      upstreamName: upstream.name,
      maxEventBytes: upstream.maxEventBytes,
    })
    const handler = new PassThroughHandler(answer, upstream.name)
    answer.attach(handler)
    const { origin, basePath } = splitEndpoint(upstream.endpoint)
    const own = [
      'content-type',
      'application/json',
      'accept',
      stream ? 'text/event-stream' : 'application/json',
      'anthropic-version',
      anthropicVersion,
    ]
    this.#clients.pool(origin).dispatch(
      {
        method: 'POST',
        path: `${basePath}/messages`,
        headers: buildTranslatedHeaders(request, upstream, own, apiKeyAuthorization),
        body: JSON.stringify(translation.body),
      },
      handler,
    )
    return handler
  }
}
