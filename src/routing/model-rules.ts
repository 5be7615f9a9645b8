// Per-upstream model rules: allow first (empty = every model), then deny.
import type { UpstreamConfig } from '../config/gateway-config.js'

export function servesModel(upstream: Pick<UpstreamConfig, 'allow' | 'deny'>, model: string): boolean {
  if (upstream.allow.length > 0 && !upstream.allow.includes(model)) return false
  return !upstream.deny.includes(model)
}
