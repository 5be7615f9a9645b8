// The upstreams to try for one client model, in order: the candidates this client may use (routing/plan-attempts.ts)
// in the policy's order, then the breakers' step (open upstreams last, state/health-board.ts). Used for the requested
// model and for each of its fallback models alike (`model_fallbacks`, planned only when reached). A named key's
// `models` come first: a model it may not use is answered as a model that does not exist.
import type { ClientIdentity } from '../auth/authenticate.js'
import { mayUseModel } from '../auth/key-model-scope.js'
import type { GatewayConfig, UpstreamConfig } from '../config/gateway-config.js'
import type { LatencyTracker } from '../routing/latency-tracker.js'
import { planAttempts } from '../routing/plan-attempts.js'
import type { HealthBoard, HealthPlan } from '../state/health-board.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import { ModelFallbacks } from '../relay/model-fallbacks.js'
import { UpstreamModelRequests } from '../relay/upstream-model-request.js'
import type { JsonSpan } from '../wire/scan-json-object.js'

export interface ModelPlanContext {
  readonly config: GatewayConfig
  readonly identity: ClientIdentity
  /** The canonical URL path, which path entries of allow/deny look at. */
  readonly path: string
  readonly mayUse: (identity: ClientIdentity, upstream: UpstreamConfig) => boolean
  readonly isAvailable: (upstream: UpstreamConfig) => boolean
  readonly random: () => number
  /** Time to first byte per upstream, read when `lb_policy: latency` orders the plan. */
  readonly latency: LatencyTracker | undefined
  readonly health: HealthBoard
}

export type ModelPlan =
  | HealthPlan
  /** No upstream this identity may use serves the model. */
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'no_model' }

/** `model`: the client's name for it, undefined when the body names none (the path routes alone then). */
export function planForModel(model: string | undefined, context: ModelPlanContext): ModelPlan {
  const { config, latency } = context
  // Exactly the unknown model's answer, so a key learns nothing of models it may not use; a fallback model it may not
  // use gets an empty plan, which skips it. Path routes (no body model) are not model-scoped.
  if (model !== undefined && !mayUseModel(context.identity, model)) return { kind: 'no_model' }
  const plan = planAttempts({
    target: { model, path: context.path },
    identity: context.identity,
    upstreams: config.upstreams,
    policy: config.lbPolicy,
    mayUse: context.mayUse,
    isAvailable: context.isAvailable,
    random: context.random,
    ...(config.lbPolicy === 'latency' && latency !== undefined
      ? { latencyOf: (upstream: UpstreamConfig) => latency.estimateMs(upstream.name) }
      : {}),
  })
  return plan.kind === 'attempts' ? context.health.plan(plan.attempts) : plan
}

export interface FallbackPlansOptions {
  /** The body's model; undefined when it names none. */
  readonly requested: string | undefined
  readonly fallbacks: GatewayConfig['modelFallbacks']
  readonly context: ModelPlanContext
  /** The request as the client sent it, which each fallback model's requests rewrite. */
  readonly request: UpstreamRequest
  /** Where `model` sits in the body sent upstream. */
  readonly modelSpan: JsonSpan | undefined
}

/** The request's fallback models, each planned like a request for it when reached; undefined: none. */
export function fallbackPlans(options: FallbackPlansOptions): ModelFallbacks | undefined {
  const { requested, context, request, modelSpan } = options
  const others = ModelFallbacks.listFor(options.fallbacks, requested)
  // Without the model's place in the body it cannot be rewritten: the fallback would be sent the requested name.
  if (requested === undefined || others.length === 0 || modelSpan === undefined) return undefined
  return new ModelFallbacks({
    models: [requested, ...others],
    planFor: (model) => {
      const plan = planForModel(model, context)
      const requests = new UpstreamModelRequests({ request, clientModel: model, modelSpan })
      // Open upstreams go to the end, as for the requested model; a model whose every upstream is rate-limited is skipped.
      if (plan.kind !== 'attempts') return { plan: [], requests }
      return { plan: plan.attempts, requests, health: plan.health }
    },
  })
}
