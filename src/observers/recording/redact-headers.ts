// Request headers as records keep them: Go's JSON shape (canonical names, lists of values), secrets redacted.
import type { IncomingHttpHeaders } from 'node:http'

export const redactedValue = '[redacted]'

/**
 * `{"Content-Type":["application/json"],"Authorization":["[redacted]"]}`: the shape the predecessor stored
 * (Go's `http.Header`), so old and new rows read alike. `redact` holds lower-case names.
 */
export function redactHeaders(headers: IncomingHttpHeaders, redact: ReadonlySet<string>): Record<string, string[]> {
  const stored: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const values = Array.isArray(value) ? value : [value]
    stored[canonicalHeaderName(name)] = redact.has(name.toLowerCase()) ? values.map(() => redactedValue) : [...values]
  }
  return stored
}

/** Go's `textproto.CanonicalMIMEHeaderKey`: `x-request-id` → `X-Request-Id`. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase())
}
