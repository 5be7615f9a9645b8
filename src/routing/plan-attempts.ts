// planAttempts: pure choice of which upstreams to try, in which order, for one request: the candidates (available,
// usable by this identity, serving the model or path), then ordered by the policy (routing/order-by-policy.ts).
import type { LbPolicy, UpstreamConfig } from '../config/gateway-config.js'
import type { ClientIdentity } from '../auth/authenticate.js'
import { servesRequest, type RouteTarget } from './model-rules.js'
import { orderByPolicy, type LatencyOf } from './order-by-policy.js'

export interface PlanInput {
  /** The body's model and the URL path, which allow/deny look at. */
  readonly target: RouteTarget
  readonly identity: ClientIdentity
  readonly upstreams: readonly UpstreamConfig[]
  readonly policy: LbPolicy
  readonly mayUse: (identity: ClientIdentity, upstream: UpstreamConfig) => boolean
  /** Upstreams the running gateway can reach (a type without an adapter is skipped). */
  readonly isAvailable: (upstream: UpstreamConfig) => boolean
  /** Injected randomness: returns a number in [0, 1). */
  readonly random: () => number
  /** `lb_policy: latency`: each upstream's estimate of time to first byte (routing/latency-tracker.ts). */
  readonly latencyOf?: LatencyOf
}

export type Plan =
  | { readonly kind: 'attempts'; readonly attempts: readonly UpstreamConfig[] }
  /** No upstream this identity may use serves the model. */
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'no_model' }

export function planAttempts(input: PlanInput): Plan {
  const attempts: UpstreamConfig[] = []
  for (const upstream of input.upstreams) {
    if (input.isAvailable(upstream) && input.mayUse(input.identity, upstream) && servesRequest(upstream, input.target)) {
      attempts.push(upstream)
    }
  }
  if (attempts.length === 0) {
    return input.identity.kind === 'key' ? { kind: 'no_model' } : { kind: 'unauthorized' }
  }
  return { kind: 'attempts', attempts: orderByPolicy(attempts, input.policy, input.random, input.latencyOf ?? unmeasured) }
}

const unmeasured: LatencyOf = () => undefined
