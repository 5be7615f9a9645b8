// Per-upstream allow/deny rules: allow first (empty = everything), then deny. An entry starting with `/` is a
// path entry and matches the request's URL path only (whatever its case, trailing slash or `;` parameters:
// wire/path-entry-key.ts); any other entry matches the body's model only, exactly. A body's model is always
// a model name, so a body cannot claim a path to reach an upstream opened for that path. A model the upstream's
// `models` maps counts as allowed: the mapping says the upstream serves it (under its own name).
import type { UpstreamConfig } from '../config/gateway-config.js'
import { pathEntryKey } from '../wire/path-entry-key.js'

/** What the rules look at: the body's `model` (undefined when there is none) and the canonical URL path. */
export interface RouteTarget {
  readonly model: string | undefined
  /** e.g. `/v1/audio/transcriptions` */
  readonly path: string
}

type Rules = Pick<UpstreamConfig, 'allow' | 'deny'> & Partial<Pick<UpstreamConfig, 'models'>>

export function servesRequest(upstream: Rules, target: RouteTarget): boolean {
  const matches = matcherFor(target)
  if (upstream.allow.length > 0 && !upstream.allow.some(matches) && !isMapped(upstream, target.model)) return false
  return !upstream.deny.some(matches)
}

/** The name this upstream knows the client's model by, when its `models` maps it; undefined otherwise. */
export function mappedModel(upstream: Partial<Pick<UpstreamConfig, 'models'>>, model: string | undefined): string | undefined {
  const models = upstream.models
  // Own keys only: a model named `constructor` or `__proto__` is a model name, not a property of every object.
  return models !== undefined && model !== undefined && Object.hasOwn(models, model) ? models[model] : undefined
}

function isMapped(upstream: Partial<Pick<UpstreamConfig, 'models'>>, model: string | undefined): boolean {
  return mappedModel(upstream, model) !== undefined
}

/**
 * Before the body is read: whether any body could make this upstream serve a request to `path`. False only
 * when the path is denied, or allow names paths alone and not this one.
 */
export function mayServePath(upstream: Rules, path: string): boolean {
  // Most upstreams have no path entries: the request's key is made only when one is there to compare.
  let key: string | undefined
  const isPath = (entry: string): boolean => entryKey(entry) === (key ??= pathEntryKey(path))
  if (upstream.deny.some((entry) => isPathEntry(entry) && isPath(entry))) return false
  if (upstream.allow.length === 0 || Object.keys(upstream.models ?? {}).length > 0) return true
  return upstream.allow.some((entry) => !isPathEntry(entry) || isPath(entry))
}

function matcherFor(target: RouteTarget): (entry: string) => boolean {
  let key: string | undefined
  return (entry) => (isPathEntry(entry) ? entryKey(entry) === (key ??= pathEntryKey(target.path)) : entry === target.model)
}

/** Entries come from the config, so their keys are few: each is made once. */
const entryKeys = new Map<string, string>()
const maxEntryKeys = 4096

function entryKey(entry: string): string {
  let key = entryKeys.get(entry)
  if (key === undefined) {
    key = pathEntryKey(entry)
    if (entryKeys.size < maxEntryKeys) entryKeys.set(entry, key)
  }
  return key
}

function isPathEntry(entry: string): boolean {
  return entry.startsWith('/')
}
