// The step after the policy's order: upstreams whose breaker is open go to the end, soonest recovery first.
// Nothing is removed (an open upstream is still a last resort), except when every candidate asked to be left alone.
import type { UpstreamConfig } from '../config/gateway-config.js'

/** What the plan needs to know of one upstream's breaker. */
export interface UpstreamHealthView {
  /** Used in its place: closed, or half_open with its one probe free. */
  readonly usable: boolean
  /** When it may be used again, on the board's clock (for the order of the open ones). */
  readonly recoversAt: number
  /** Open because the upstream said when to come back, and that time is still ahead. */
  readonly rateLimited: boolean
}

export type HealthOrder =
  | {
      readonly kind: 'attempts'
      readonly attempts: readonly UpstreamConfig[]
      /** The upstreams moved to the end because they were open (or their probe was under way elsewhere). */
      readonly skipped: readonly UpstreamConfig[]
    }
  /** Every candidate is open on a rate-limit signal still in force: nothing is tried until the soonest one ends. */
  | { readonly kind: 'rate_limited'; readonly retryAt: number }

/** Stable: the usable upstreams keep the policy's order; the open ones follow by `recoversAt`, ties in the policy's order. */
export function orderByHealth(
  attempts: readonly UpstreamConfig[],
  healthOf: (upstream: UpstreamConfig) => UpstreamHealthView,
): HealthOrder {
  let open: Array<{ upstream: UpstreamConfig; view: UpstreamHealthView }> | undefined
  let usable: UpstreamConfig[] | undefined
  for (let i = 0; i < attempts.length; i++) {
    const upstream = attempts[i] as UpstreamConfig
    const view = healthOf(upstream)
    if (view.usable) {
      // The common case (everything closed) allocates nothing: the policy's array is returned as it is.
      usable?.push(upstream)
      continue
    }
    if (open === undefined) {
      open = []
      usable = attempts.slice(0, i)
    }
    open.push({ upstream, view })
  }
  if (open === undefined) return { kind: 'attempts', attempts, skipped: [] }
  open.sort((a, b) => a.view.recoversAt - b.view.recoversAt)
  if (usable !== undefined && usable.length === 0 && open.every((entry) => entry.view.rateLimited)) {
    return { kind: 'rate_limited', retryAt: (open[0] as { view: UpstreamHealthView }).view.recoversAt }
  }
  const skipped = open.map((entry) => entry.upstream)
  return { kind: 'attempts', attempts: [...(usable ?? []), ...skipped], skipped }
}
