// `model_fallbacks`: once every candidate of a client model failed (or one answered 400 context_length_exceeded), the
// next model in its list is planned like a request for that model (its own candidates, allow/deny, each upstream's
// `models` mapping, the body's `model` rewritten) and tried in turn. Only the requested model's list is followed: a
// fallback's own fallbacks are not, so the order stays the one the operator wrote.
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { NextLeg, RelayLeg } from './attempt-steps.js'
import type { AttemptHealth } from './attempt-verdict.js'
import type { UpstreamModelRequests } from './upstream-model-request.js'

/** The candidates for one model, and the request each of them is sent; an empty plan when none serves it. */
export interface ModelPlan {
  readonly plan: readonly UpstreamConfig[]
  readonly requests: UpstreamModelRequests
  /** The plan's side of the breakers (its verdicts, its probes), when health ordered it. */
  readonly health?: PlanHealth
}

/** A plan's side of the breakers: told each attempt's verdict, and told when the request is over (probes given back). */
export interface PlanHealth extends AttemptHealth {
  finished(): void
}

export interface ModelFallbacksOptions {
  /** The requested model, first, then its fallbacks in order. */
  readonly models: readonly string[]
  readonly planFor: (model: string) => ModelPlan
}

export class ModelFallbacks {
  readonly #models: readonly string[]
  readonly #planFor: (model: string) => ModelPlan
  readonly #requests = new Map<string, UpstreamModelRequests>()
  readonly #health: PlanHealth[] = []

  /** The fallback models of `model`, without itself or repeats; empty when it has none. */
  static listFor(fallbacks: Readonly<Record<string, readonly string[]>>, model: string | undefined): string[] {
    if (model === undefined || !Object.hasOwn(fallbacks, model)) return []
    return [...new Set(fallbacks[model])].filter((other) => other !== model)
  }

  constructor(options: ModelFallbacksOptions) {
    this.#models = options.models
    this.#planFor = options.planFor
  }

  /** Planned only when reached: a request its first model serves never plans its fallbacks. */
  readonly nextLeg: NextLeg = (failed: RelayLeg): RelayLeg | undefined => {
    const position = this.#models.indexOf(failed.model)
    const model = this.#models[position + 1]
    if (position < 0 || model === undefined) return undefined
    const { plan, requests, health } = this.#planFor(model)
    this.#requests.set(model, requests)
    if (health !== undefined) this.#health.push(health)
    const final = position + 2 >= this.#models.length
    return { model, plan, requestFor: (upstream) => requests.requestFor(upstream), final, ...(health === undefined ? {} : { health }) }
  }

  /** The request is over: the fallback plans' probes not reported on are given back. */
  finished(): void {
    for (const health of this.#health.splice(0)) health.finished()
  }

  /** The requests of a fallback model planned so far (for the name its answering upstream was sent). */
  requestsOf(model: string): UpstreamModelRequests | undefined {
    return this.#requests.get(model)
  }
}
