// The response headers a client gets for a relayed answer: the upstream's, minus hop-by-hop and CORS,
// plus ours. The upstream's own request id is kept as x-upstream-request-id.
import { connectionTokens, hopByHopHeaders } from '../wire/hop-by-hop.js'
import { corsResponseHeaders } from '../wire/cors.js'

export function clientResponseHeaders(upstream: readonly string[], requestId: string, closeConnection: boolean): string[] {
  const out: string[] = []
  let dropped: string[] | undefined
  for (let i = 0; i < upstream.length; i += 2) {
    if (upstream[i] === 'connection') dropped = connectionTokens(upstream[i + 1])
  }
  for (let i = 0; i < upstream.length; i += 2) {
    const name = upstream[i] as string
    const value = upstream[i + 1] as string
    if (hopByHopHeaders.has(name) || name.startsWith('access-control-') || dropped?.includes(name) === true) continue
    if (name === 'x-request-id') {
      out.push('x-upstream-request-id', value)
      continue
    }
    out.push(name, value)
  }
  out.push(...corsResponseHeaders, 'x-request-id', requestId)
  if (closeConnection) out.push('connection', 'close')
  return out
}

export function headerOf(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) return headers[i + 1]
  }
  return undefined
}
