// Which adapter serves each upstream type; a type without one is skipped at start with a warning.
import type { UpstreamConfig, UpstreamType } from '../config/gateway-config.js'
import type { UpstreamClients } from '../relay/upstream-clients.js'
import { OpenAIAdapter } from './openai/openai-adapter.js'
import type { ProviderAdapter } from './provider-adapter.js'

export class AdapterRegistry {
  readonly #adapters = new Map<UpstreamType, ProviderAdapter>()

  constructor(clients: UpstreamClients) {
    const openai = new OpenAIAdapter(clients)
    this.#adapters.set('openai', openai)
  }

  has(upstream: UpstreamConfig): boolean {
    return this.#adapters.has(upstream.type)
  }

  /** Only called for upstreams for which has() is true. */
  for(upstream: UpstreamConfig): ProviderAdapter {
    const adapter = this.#adapters.get(upstream.type)
    if (adapter === undefined) throw new Error(`no adapter for upstream type ${upstream.type}`)
    return adapter
  }
}
