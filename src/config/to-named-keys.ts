// Maps `keys:` and `prices:` into the domain config, with the checks that span entries: duplicate names and keys
// (a named key is never also a predecessor `authorization` key), unknown upstream names, and budgets left unpriced.
import type { ConfigNote } from './config-note.js'
import type { NamedKeyConfig, ModelPrice } from './gateway-config.js'
import { keySha256 } from './key-sha256.js'
import { compileGlob, isGlob } from './model-glob.js'
import type { RawNamedKey } from './named-keys-schema.js'
import type { RawPrices } from './prices-schema.js'

export interface NamedKeysContext {
  /** Every upstream's name, explicit or derived. */
  readonly upstreamNames: readonly string[]
  /** The predecessor's client keys: the top-level `authorization` and every upstream's own. */
  readonly predecessorKeys: readonly string[]
  readonly prices: Readonly<Record<string, ModelPrice>>
}

export interface NamedKeysMapping {
  readonly keys: NamedKeyConfig[]
  /** Errors: the config is refused. */
  readonly problems: ConfigNote[]
  /** Warnings: the config runs. */
  readonly notes: ConfigNote[]
}

export function toNamedKeys(raw: readonly RawNamedKey[], context: NamedKeysContext): NamedKeysMapping {
  const problems: ConfigNote[] = []
  const notes: ConfigNote[] = []
  const firstByName = new Map<string, number>()
  const firstByDigest = new Map<string, number>()
  const predecessorDigests = new Set(context.predecessorKeys.map(keySha256))
  const upstreamNames = new Set(context.upstreamNames)
  const keys = raw.map((entry, index): NamedKeyConfig => {
    const path = ['keys', index]
    const named = toNamedKey(entry)
    const firstNamed = firstByName.get(named.name)
    if (firstNamed === undefined) firstByName.set(named.name, index)
    else problems.push({ path: [...path, 'name'], message: `"${named.name}" is already the name of keys[${firstNamed}]` })
    // Pointed at by its field, never quoted: the key is a secret, and so, nearly, is its digest.
    const keyPath = [...path, entry.key === undefined ? 'key_sha256' : 'key']
    const firstDigest = firstByDigest.get(named.digest)
    if (firstDigest === undefined) firstByDigest.set(named.digest, index)
    else problems.push({ path: keyPath, message: `is the same key as keys[${firstDigest}] (${raw[firstDigest]?.name ?? '?'})` })
    if (predecessorDigests.has(named.digest)) {
      problems.push({ path: keyPath, message: 'is also listed in an authorization list: a key is either named (keys) or not' })
    }
    entry.upstreams?.forEach((name, i) => {
      if (!upstreamNames.has(name)) {
        const known = context.upstreamNames.length === 0 ? 'there are none' : `names: ${context.upstreamNames.join(', ')}`
        problems.push({ path: [...path, 'upstreams', i], message: `no upstream is named "${name}" (${known})` })
      }
    })
    notes.push(...budgetNotes(entry, path, context.prices))
    return named
  })
  return { keys, problems, notes }
}

export function toModelPrices(raw: RawPrices): Record<string, ModelPrice> {
  return Object.fromEntries(
    Object.entries(raw).map(([model, price]) => [model, { input: price.input, output: price.output, cachedInput: price.cached_input }]),
  )
}

function toNamedKey(entry: RawNamedKey): NamedKeyConfig {
  return {
    name: entry.name,
    // The key itself goes no further than this line.
    digest: entry.key === undefined ? (entry.key_sha256 ?? '').toLowerCase() : keySha256(entry.key),
    models: entry.models ?? [],
    upstreams: entry.upstreams,
    limits: {
      rpm: entry.rpm,
      tpm: entry.tpm,
      maxConcurrent: entry.max_concurrent,
      budgetUsd: entry.budget_usd,
      budgetTokens: entry.budget_tokens,
      budgetPeriod: entry.budget_period ?? 'month',
    },
  }
}

function budgetNotes(entry: RawNamedKey, path: readonly (string | number)[], prices: NamedKeysContext['prices']): ConfigNote[] {
  if (entry.budget_usd === undefined) {
    return entry.budget_period !== undefined && entry.budget_tokens === undefined
      ? [{ path: [...path, 'budget_period'], message: 'budget_period has no effect without budget_usd or budget_tokens' }]
      : []
  }
  const unpriced = unpricedModels(entry.models ?? [], prices)
  if (unpriced.length === 0) return []
  const which = Object.keys(prices).length === 0 ? 'prices is empty' : `no price covers ${unpriced.join(', ')}`
  return [{ path: [...path, 'budget_usd'], message: `budget_usd counts spend priced from prices, and ${which}: that spend counts as 0` }]
}

/**
 * The key's model patterns (none: every model) that no price covers. An exact model name is covered when a price
 * matches it as `PriceTable` would; a glob (or every model) when prices has the same glob or a `prefix*` glob
 * whose prefix starts it (`*` covers everything). Other overlaps between globs are not worked out: warned about.
 */
export function unpricedModels(models: readonly string[], prices: NamedKeysContext['prices']): string[] {
  const patterns = Object.keys(prices)
  const globs = patterns.filter(isGlob).map((pattern) => ({ pattern, matches: compileGlob(pattern) }))
  const prefixes = patterns
    .filter((pattern) => pattern.endsWith('*') && !isGlob(pattern.slice(0, -1)))
    .map((pattern) => pattern.slice(0, -1))
  const covered = (model: string): boolean => {
    if (Object.hasOwn(prices, model)) return true
    if (!isGlob(model)) return globs.some((glob) => glob.matches(model))
    return prefixes.some((prefix) => model.startsWith(prefix))
  }
  return models.length === 0 ? (covered('*') ? [] : ['every model']) : models.filter((model) => !covered(model))
}
