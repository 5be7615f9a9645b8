// Request headers as records keep them: Go's JSON shape (canonical names, lists of values), secrets redacted.
import type { IncomingHttpHeaders } from 'node:http'

export const redactedValue = '[redacted]'

/** Clients send the same few header names over and over; a client inventing names cannot grow this past its bound. */
const knownNames = new Map<string, string>()
const knownNamesLimit = 1024

/**
 * `{"Content-Type":["application/json"],"Authorization":["[redacted]"]}`: the shape the predecessor stored
 * (Go's `http.Header`), so old and new rows read alike. `redact` holds lower-case names.
 */
export function redactHeaders(headers: IncomingHttpHeaders, redact: ReadonlySet<string>): Record<string, string[]> {
  const stored: Record<string, string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const secret = redact.has(name) || redact.has(name.toLowerCase())
    stored[canonicalHeaderName(name)] = Array.isArray(value)
      ? value.map((each) => (secret ? redactedValue : each))
      : [secret ? redactedValue : value]
  }
  return stored
}

/**
 * Go's `textproto.CanonicalMIMEHeaderKey`: `x-request-id` → `X-Request-Id`. Remembered per name: the regular
 * expression was most of the cost of mapping a request to its record.
 */
export function canonicalHeaderName(name: string): string {
  const known = knownNames.get(name)
  if (known !== undefined) return known
  const canonical = name.toLowerCase().replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase())
  if (knownNames.size < knownNamesLimit) knownNames.set(name, canonical)
  return canonical
}
