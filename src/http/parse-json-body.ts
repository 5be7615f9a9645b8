// The whole JSON body as a value, parsed only when something needs it (a translating adapter, a token
// estimate) and only when the scan showed it is shallow: JSON.parse of millions of nested brackets takes
// seconds on the event loop, and whatever walks the result afterwards may recurse.
import type { JsonObjectScan } from '../wire/scan-json-object.js'

/** Deeper bodies are not parsed: no API request nests anywhere near this. */
export const maxParsedDepth = 64

export function parseJsonBody(body: Buffer | null, scan: JsonObjectScan | undefined): Readonly<Record<string, unknown>> | null {
  if (body === null || scan === undefined || scan.maxDepth > maxParsedDepth) return null
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>
  } catch {
    // The scanner does not look for raw control characters in strings; JSON.parse does.
    return null
  }
}

/** A getter that parses once, on first use. */
export function lazyJsonBody(body: Buffer | null, scan: JsonObjectScan | undefined): () => Readonly<Record<string, unknown>> | null {
  let parsed: Readonly<Record<string, unknown>> | null | undefined
  return () => (parsed === undefined ? (parsed = parseJsonBody(body, scan)) : parsed)
}
