// Per-upstream allow/deny rules: allow first (empty = everything), then deny. An entry starting with `/` is a
// path entry and matches the request's URL path only (whatever its case, trailing slash or `;` parameters:
// wire/path-entry-key.ts); any other entry matches the body's model only, exactly. A body's model is always
// a model name, so a body cannot claim a path to reach an upstream opened for that path.
import type { UpstreamConfig } from '../config/gateway-config.js'
import { pathEntryKey } from '../wire/path-entry-key.js'

/** What the rules look at: the body's `model` (undefined when there is none) and the canonical URL path. */
export interface RouteTarget {
  readonly model: string | undefined
  /** e.g. `/v1/audio/transcriptions` */
  readonly path: string
}

type Rules = Pick<UpstreamConfig, 'allow' | 'deny'>

export function servesRequest(upstream: Rules, target: RouteTarget): boolean {
  const matches = matcherFor(target)
  if (upstream.allow.length > 0 && !upstream.allow.some(matches)) return false
  return !upstream.deny.some(matches)
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
  return upstream.allow.length === 0 || upstream.allow.some((entry) => !isPathEntry(entry) || isPath(entry))
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
