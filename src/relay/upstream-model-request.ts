// The request as one upstream is sent it: when the upstream's `models` maps the client's model to a name of its own,
// the body carries that name (only the `model` value's bytes are replaced, every other byte kept) and so do the
// parsed body translating adapters read and the model Azure picks its deployment by. Each mapped name is made once.
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import type { JsonSpan } from '../wire/scan-json-object.js'

export interface ModelRequestOptions {
  /** The client's request, as every unmapped upstream is sent it. */
  readonly request: UpstreamRequest
  /**
   * The body's `model` when it is a string (or the fallback model tried in its place); undefined when the request is
   * routed by its path.
   */
  readonly clientModel: string | undefined
  /** Where that model's JSON string lies in `request.body`. */
  readonly modelSpan: JsonSpan | undefined
}

export class UpstreamModelRequests {
  readonly #options: ModelRequestOptions
  readonly #byName = new Map<string, UpstreamRequest>()

  constructor(options: ModelRequestOptions) {
    this.#options = options
  }

  /** The model name this upstream is sent: its mapping of the client's model, else the client's own. */
  modelFor(upstream: UpstreamConfig): string {
    const { clientModel, request } = this.#options
    // Own keys only: a model named `constructor` or `__proto__` is a model name, not a property of every object.
    if (clientModel !== undefined && Object.hasOwn(upstream.models, clientModel)) return upstream.models[clientModel] as string
    // A fallback model (`model_fallbacks`) is sent under its own name even where it is not mapped.
    return clientModel ?? request.model
  }

  requestFor(upstream: UpstreamConfig): UpstreamRequest {
    const { request, modelSpan } = this.#options
    const name = this.modelFor(upstream)
    if (name === request.model || modelSpan === undefined || request.body === null) return request
    let mapped = this.#byName.get(name)
    if (mapped === undefined) {
      mapped = withModel(request, modelSpan, name)
      this.#byName.set(name, mapped)
    }
    return mapped
  }
}

function withModel(request: UpstreamRequest, span: JsonSpan, model: string): UpstreamRequest {
  const body = request.body as Buffer
  // JSON.stringify escapes what a JSON string must (quotes, backslashes, control characters); the rest is UTF-8.
  const mappedBody = Buffer.concat([body.subarray(0, span.start), Buffer.from(JSON.stringify(model)), body.subarray(span.end)])
  let json: Readonly<Record<string, unknown>> | null | undefined
  // Not a spread: that would read the client request's `json` getter, parsing a body nobody may need parsed.
  return {
    requestId: request.requestId,
    method: request.method,
    path: request.path,
    headers: request.headers,
    stream: request.stream,
    body: mappedBody,
    model,
    // Parsed (by the client's body) only if a translating adapter reads it.
    get json() {
      if (json === undefined) {
        const parsed = request.json
        json = parsed === null ? null : { ...parsed, model }
      }
      return json
    },
  }
}
