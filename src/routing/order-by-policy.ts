// The order in which a request tries its candidate upstreams under `lb_policy` (pure; randomness injected):
// - order: as listed in the config.
// - random: a uniform shuffle.
// - weighted: drawn one after another in proportion to `weight` among those not drawn yet, so the first choice
//   (and, if it fails, the next) spreads by weight; upstreams of weight 0 follow, in config order, as failover only.
// - latency: fastest estimate of time to first byte first (routing/latency-tracker.ts); an upstream never measured
//   counts as fastest, so it is measured; equal estimates keep config order.
import type { LbPolicy, UpstreamConfig } from '../config/gateway-config.js'

/** The latency estimate of an upstream in ms, undefined when it was never measured. */
export type LatencyOf = (upstream: UpstreamConfig) => number | undefined

/** A new array; `candidates` is left as it is. `random` returns a number in [0, 1). */
export function orderByPolicy(
  candidates: readonly UpstreamConfig[],
  policy: LbPolicy,
  random: () => number,
  latencyOf: LatencyOf,
): UpstreamConfig[] {
  const ordered = [...candidates]
  if (ordered.length < 2) return ordered
  switch (policy) {
    case 'order':
      return ordered
    case 'random':
      return shuffle(ordered, random)
    case 'weighted':
      return byWeight(ordered, random)
    case 'latency':
      return byLatency(ordered, latencyOf)
  }
}

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = items[i] as T
    items[i] = items[j] as T
    items[j] = tmp
  }
  return items
}

/** Weighted draws without replacement: one random number per weighted upstream but the last. */
function byWeight(candidates: UpstreamConfig[], random: () => number): UpstreamConfig[] {
  const pool = candidates.filter((upstream) => upstream.weight > 0)
  const failoverOnly = candidates.filter((upstream) => upstream.weight <= 0)
  const ordered: UpstreamConfig[] = []
  let total = pool.reduce((sum, upstream) => sum + upstream.weight, 0)
  while (pool.length > 1) {
    let point = random() * total
    let chosen = pool.length - 1
    for (let i = 0; i < pool.length; i++) {
      point -= (pool[i] as UpstreamConfig).weight
      if (point < 0) {
        chosen = i
        break
      }
    }
    const [upstream] = pool.splice(chosen, 1) as [UpstreamConfig]
    total -= upstream.weight
    ordered.push(upstream)
  }
  return [...ordered, ...pool, ...failoverOnly]
}

function byLatency(candidates: UpstreamConfig[], latencyOf: LatencyOf): UpstreamConfig[] {
  const keyed = candidates.map((upstream, index) => ({ upstream, index, ms: latencyOf(upstream) ?? -1 }))
  keyed.sort((a, b) => a.ms - b.ms || a.index - b.index)
  return keyed.map((entry) => entry.upstream)
}
