// The client's request headers as observers see them: credentials replaced, so no key reaches records or logs.
import type { IncomingHttpHeaders } from 'node:http'
import { alwaysRedactedHeaders } from '../config/records-schema.js'

/** Headers that carry a credential (the same list the records always redact): keys in every provider's style, proxy auth, cookies. */
const secretHeaders: ReadonlySet<string> = new Set(alwaysRedactedHeaders)

export const redactedValue = '[redacted]'

/** A copy with each credential header's value replaced; the header's presence stays visible. */
export function redactHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  for (const name in headers) {
    const value = headers[name]
    out[name] = secretHeaders.has(name) && value !== undefined ? redactedValue : value
  }
  return out
}
