// Which adapter serves each upstream type; a type without one is skipped at start with a warning.
import type { UpstreamConfig, UpstreamType } from '../config/gateway-config.js'
import type { UpstreamClients } from './upstream-clients.js'
import { systemClock, type Clock } from '../time/clock.js'
import { AnthropicAdapter } from './anthropic/anthropic-adapter.js'
import { AzureAdapter } from './azure/azure-adapter.js'
import { OpenAIAdapter } from './openai/openai-adapter.js'
import type { ProviderAdapter } from './provider-adapter.js'
import { ReplicateAdapter } from './replicate/replicate-adapter.js'

export class AdapterRegistry {
  readonly #adapters = new Map<UpstreamType, ProviderAdapter>()

  constructor(clients: UpstreamClients, clock: Clock = systemClock) {
    const openai = new OpenAIAdapter(clients)
    this.#adapters.set('openai', openai)
    this.#adapters.set('anthropic', new AnthropicAdapter(clients, clock))
    this.#adapters.set('replicate', new ReplicateAdapter(clients, clock))
    this.#adapters.set('azure', new AzureAdapter(clients))
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
