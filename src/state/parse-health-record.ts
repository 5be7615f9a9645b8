// Reads an `UpstreamHealthRecord` that came from another process or from Redis: anything malformed is refused whole.
import type { UpstreamHealthRecord } from './upstream-health-record.js'

const states: ReadonlySet<string> = new Set(['closed', 'open', 'half_open'])

/** The record in `value` (a parsed JSON object), or undefined when it is not one. */
export function toHealthRecord(value: unknown): UpstreamHealthRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const { upstream, state, openUntil, cooldownMs, rateLimited, changedAt, origin } = v
  if (typeof upstream !== 'string' || typeof state !== 'string' || !states.has(state)) return undefined
  if (!isTime(openUntil) || !isTime(cooldownMs) || !isTime(changedAt)) return undefined
  if (typeof rateLimited !== 'boolean' || typeof origin !== 'string') return undefined
  return { upstream, state: state as UpstreamHealthRecord['state'], openUntil, cooldownMs, rateLimited, changedAt, origin }
}

/** The record in a JSON text, or undefined when the text is not one. */
export function parseHealthRecord(text: string): UpstreamHealthRecord | undefined {
  try {
    return toHealthRecord(JSON.parse(text))
  } catch {
    return undefined
  }
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}
