// Which client headers reach an upstream, and the upstream's credential header.
import type { IncomingHttpHeaders } from 'node:http'
import type { UpstreamConfig, UpstreamCredential } from '../config/gateway-config.js'
import { connectionTokens, hopByHopHeaders } from '../wire/hop-by-hop.js'
import type { UpstreamRequest } from './provider-adapter.js'

/** Forwarded by default (the predecessor sent only Authorization, Content-Type and Host). */
const defaultForwarded = ['content-type', 'accept', 'openai-beta'] as const

/**
 * Never forwarded, even with keep_header: the upstream gets its own Host and Content-Length from the
 * HTTP client, our credential, and an identity encoding so streams can be read as they pass.
 */
const neverForwarded: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'authorization',
  'accept-encoding',
  'x-request-id',
  'api-key',
  'x-api-key',
])

/**
 * Asked for explicitly: without Accept-Encoding any coding is acceptable (RFC 9110, 12.5.3), and the gateway reads
 * streams as they pass and searches error bodies for the upstream's key, which it cannot do in compressed bytes.
 */
export const identityEncoding = ['accept-encoding', 'identity'] as const

/** The credential header(s) for an upstream; `clientAuthorization` is the client's own, for `sk: asis`. */
export type Authorize = (credential: UpstreamCredential, clientAuthorization: string | undefined) => string[]

/** OpenAI's scheme: `Authorization: Bearer <key>`. */
export const bearerAuthorization: Authorize = (credential, clientAuthorization) => {
  switch (credential.kind) {
    case 'key':
      return ['authorization', `Bearer ${credential.key}`]
    case 'client':
      return clientAuthorization === undefined ? [] : ['authorization', clientAuthorization]
    case 'none':
      return []
  }
}

export function buildUpstreamHeaders(
  clientHeaders: IncomingHttpHeaders,
  upstream: UpstreamConfig,
  requestId: string,
  authorize: Authorize = bearerAuthorization,
): string[] {
  const out = upstream.keepHeader ? keptClientHeaders(clientHeaders, neverForwarded) : defaultClientHeaders(clientHeaders)
  out.push(...credentialHeaders(upstream, authorize, clientHeaders['authorization']))
  out.push(...identityEncoding, 'x-request-id', requestId)
  return out
}

/**
 * The upstream's credential headers, and the endpoint URL's `user:password@` as HTTP Basic credentials when no
 * other Authorization header is sent (as curl and Go's HTTP client do with credentials in a URL).
 */
function credentialHeaders(upstream: UpstreamConfig, authorize: Authorize, clientAuthorization: string | undefined): string[] {
  const headers = authorize(upstream.credential, clientAuthorization)
  const basic = basicAuthorization(upstream)
  if (basic === undefined || ownNames(headers).includes('authorization')) return headers
  return [...headers, 'authorization', basic]
}

/** `Basic <token>` from the endpoint URL's credentials, if it had any. */
export function basicAuthorization(upstream: Pick<UpstreamConfig, 'basicAuth'>): string | undefined {
  const basic = upstream.basicAuth
  return basic === undefined ? undefined : `Basic ${Buffer.from(`${basic.username}:${basic.password}`, 'utf8').toString('base64')}`
}

/** keep_header: every client header except hop-by-hop ones, credentials and those in `dropped`. */
export function keptClientHeaders(clientHeaders: IncomingHttpHeaders, dropped: ReadonlySet<string>): string[] {
  const out: string[] = []
  const connection = connectionTokens(headerValue(clientHeaders['connection']))
  for (const name in clientHeaders) {
    if (hopByHopHeaders.has(name) || neverForwarded.has(name) || dropped.has(name) || connection.includes(name)) continue
    const value = clientHeaders[name]
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) out.push(name, v)
    else out.push(name, value)
  }
  return out
}

function defaultClientHeaders(clientHeaders: IncomingHttpHeaders): string[] {
  const out: string[] = []
  for (const name of defaultForwarded) {
    const value = clientHeaders[name]
    if (typeof value === 'string') out.push(name, value)
  }
  return out
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value
}

/** Client headers that describe the client's own body, which a translating adapter replaces. */
const replacedByTranslation: ReadonlySet<string> = new Set([
  'content-type',
  'accept',
  'openai-beta',
  'openai-organization',
  'openai-project',
])

/**
 * Headers for an upstream reached through a translating adapter: the adapter's own (`own`: content type,
 * version headers), the credential, and with keep_header the client's headers that still mean something.
 */
export function buildTranslatedHeaders(
  request: Pick<UpstreamRequest, 'headers' | 'requestId'>,
  upstream: UpstreamConfig,
  own: readonly string[],
  authorize: Authorize,
): string[] {
  const out = upstream.keepHeader ? keptClientHeaders(request.headers, new Set([...replacedByTranslation, ...ownNames(own)])) : []
  out.push(
    ...own,
    ...credentialHeaders(upstream, authorize, request.headers['authorization']),
    ...identityEncoding,
    'x-request-id',
    request.requestId,
  )
  return out
}

function ownNames(own: readonly string[]): string[] {
  return own.filter((_, i) => i % 2 === 0)
}
