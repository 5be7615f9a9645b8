// -list: the upstreams as an operator checks them, every key (upstream and client) masked the one way, endpoint
// credentials left out; then the named keys, by name, scopes and limits (neither the key nor its digest).
import type { GatewayConfig, NamedKeyConfig, UpstreamConfig } from '../config/gateway-config.js'
import { maskKey } from '../auth/mask-key.js'

export function formatUpstreamList(config: GatewayConfig): string {
  const lines = [...config.upstreams.map((upstream) => formatUpstream(upstream)), ...config.keys.map(formatNamedKey)]
  return `${lines.join('\n')}\n`
}

function formatUpstream(upstream: UpstreamConfig): string {
  const key =
    upstream.credential.kind === 'key' ? maskKey(upstream.credential.key) : upstream.credential.kind === 'client' ? 'asis' : '(none)'
  const list = (items: readonly string[]): string => (items.length === 0 ? '-' : items.join(','))
  return [
    `${upstream.index}`,
    `name=${upstream.name}`,
    `endpoint=${upstream.endpoint}`,
    `type=${upstream.type}`,
    `sk=${key}`,
    // The credentials themselves are never printed: only that the endpoint had some.
    ...(upstream.basicAuth === undefined ? [] : ['basic_auth=set']),
    `allow=${list(upstream.allow)}`,
    `deny=${list(upstream.deny)}`,
    // Shown only when set, so lines of configs without them read as before.
    ...(Object.keys(upstream.models).length === 0
      ? []
      : [`models=${list(Object.entries(upstream.models).map(([from, to]) => `${from}:${to}`))}`]),
    ...(upstream.weight === 1 ? [] : [`weight=${upstream.weight}`]),
    upstream.noauth ? 'noauth' : `client_keys=${list(upstream.clientKeys.map(maskKey))}`,
  ].join('\t')
}

function formatNamedKey(key: NamedKeyConfig): string {
  const { limits } = key
  const budgets = limits.budgetUsd !== undefined || limits.budgetTokens !== undefined
  const set = (name: string, value: number | undefined): string[] => (value === undefined ? [] : [`${name}=${value}`])
  return [
    'key',
    `name=${key.name}`,
    `models=${key.models.length === 0 ? '*' : key.models.join(',')}`,
    `upstreams=${key.upstreams === undefined ? '*' : key.upstreams.join(',')}`,
    ...set('rpm', limits.rpm),
    ...set('tpm', limits.tpm),
    ...set('max_concurrent', limits.maxConcurrent),
    ...set('budget_usd', limits.budgetUsd),
    ...set('budget_tokens', limits.budgetTokens),
    ...(budgets ? [`budget_period=${limits.budgetPeriod}`] : []),
  ].join('\t')
}
