// The client's request headers as observers see them: credentials replaced, so no key reaches records or logs.
import type { IncomingHttpHeaders } from 'node:http'

/** Headers that carry a credential: the client's key (OpenAI, Azure, Anthropic styles), proxy auth, cookies. */
const secretHeaders: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'api-key', 'x-api-key', 'cookie'])

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
