// Which client headers reach an OpenAI-compatible upstream, and the upstream's Authorization.
import type { IncomingHttpHeaders } from 'node:http'
import type { UpstreamConfig } from '../../config/gateway-config.js'
import { connectionTokens, hopByHopHeaders } from '../../http/hop-by-hop.js'

/** Forwarded by default (the predecessor sent only Authorization, Content-Type and Host). */
const defaultForwarded = ['content-type', 'accept', 'openai-beta'] as const

/**
 * Never forwarded, even with keep_header: the upstream gets its own Host and Content-Length from the
 * HTTP client, our Authorization, and an identity encoding so streams can be read as they pass.
 */
const neverForwarded: ReadonlySet<string> = new Set(['host', 'content-length', 'authorization', 'accept-encoding', 'x-request-id'])

export function buildUpstreamHeaders(
  clientHeaders: IncomingHttpHeaders,
  upstream: UpstreamConfig,
  requestId: string,
): string[] {
  const out: string[] = []
  if (upstream.keepHeader) {
    const dropped = connectionTokens(headerValue(clientHeaders['connection']))
    for (const name in clientHeaders) {
      if (hopByHopHeaders.has(name) || neverForwarded.has(name) || dropped.includes(name)) continue
      const value = clientHeaders[name]
      if (value === undefined) continue
      if (Array.isArray(value)) for (const v of value) out.push(name, v)
      else out.push(name, value)
    }
  } else {
    for (const name of defaultForwarded) {
      const value = clientHeaders[name]
      if (typeof value === 'string') out.push(name, value)
    }
  }
  const credential = upstream.credential
  switch (credential.kind) {
    case 'key':
      out.push('authorization', `Bearer ${credential.key}`)
      break
    case 'client': {
      const value = clientHeaders['authorization']
      if (value !== undefined) out.push('authorization', value)
      break
    }
    case 'none':
      break
  }
  out.push('x-request-id', requestId)
  return out
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value
}
