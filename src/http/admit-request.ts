// The decision taken from the request head alone, before a byte of the body is read: may anyone this client
// could be reach an upstream for this path, and how large a body it may then send. Strangers cost a header
// parse, never a body parse.
import type { ClientIdentity } from '../auth/authenticate.js'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { mayServePath } from '../routing/model-rules.js'

export interface AdmitInput {
  readonly identity: ClientIdentity
  /** The canonical URL path, e.g. `/v1/files`. */
  readonly path: string
  readonly upstreams: readonly UpstreamConfig[]
  readonly mayUse: (identity: ClientIdentity, upstream: UpstreamConfig) => boolean
  readonly isAvailable: (upstream: UpstreamConfig) => boolean
  readonly maxBodyBytes: number
  readonly maxAnonymousBodyBytes: number
}

export type Admission = { readonly kind: 'read'; readonly limit: number } | { readonly kind: 'refuse'; readonly error: GatewayError }

export function admitRequest(input: AdmitInput): Admission {
  const { identity } = input
  // A valid key is trusted with the full limit; what it may use is decided with the body's model.
  if (identity.kind === 'key') return { kind: 'read', limit: input.maxBodyBytes }
  const open = input.upstreams.some(
    (upstream) => input.isAvailable(upstream) && input.mayUse(identity, upstream) && mayServePath(upstream, input.path),
  )
  if (!open) return { kind: 'refuse', error: unauthorized(identity) }
  return { kind: 'read', limit: Math.min(input.maxBodyBytes, input.maxAnonymousBodyBytes) }
}

export function unauthorized(identity: ClientIdentity): GatewayError {
  return new GatewayError(
    'invalid_api_key',
    identity.kind === 'anonymous' && identity.presentedKey
      ? 'Incorrect API key provided.'
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  )
}
