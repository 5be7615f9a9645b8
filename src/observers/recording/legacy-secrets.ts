// Rewrites a predecessor row's secrets in place: client Authorization header and upstream key into fingerprints,
// credentials out of its endpoint URL, and any of these cut from the answer it stored.
import { extractClientKey } from '../../auth/authenticate.js'
import { keyDigest, keyFingerprint } from '../../auth/key-digest.js'
import { credentialSecrets, endpointCredentials, withoutCredentials } from '../../config/endpoint-credentials.js'
import { SecretRedactor } from '../../secrets/secret-redactor.js'
import { redactedValue } from './redact-headers.js'

export interface LegacySecrets {
  readonly authorization: string | null
  readonly upstream_sk: string | null
  /** The predecessor stored the endpoint as configured, `user:password@` included. */
  readonly upstream_endpoint: string | null
  readonly headers: string | null
  /** The answer, which an upstream may have echoed its key or credentials in. */
  readonly response: string | null
}

const fingerprintShape = /^key-[0-9a-f]{12}$/

/** Already safe: empty, a fingerprint, or (upstream key) `asis`. */
export function isScrubbed(row: LegacySecrets): boolean {
  const clean = (value: string | null, extra?: string): boolean =>
    value === null || value === '' || value === extra || fingerprintShape.test(value)
  return (
    clean(row.authorization) &&
    clean(row.upstream_sk, 'asis') &&
    (row.upstream_endpoint === null || endpointCredentials(row.upstream_endpoint) === undefined)
  )
}

/**
 * Client keys become the same fingerprint new rows carry, so old and new rows of one client still group together.
 * The predecessor's headers JSON loses the values of `redact` headers; text that is not such JSON has the key cut out.
 */
export function scrubLegacySecrets(row: LegacySecrets, redact: ReadonlySet<string>): LegacySecrets {
  const rawAuthorization = row.authorization ?? ''
  const clientKey = extractClientKey(rawAuthorization)
  const upstreamKey = row.upstream_sk ?? ''
  const endpointSecrets = row.upstream_endpoint === null ? [] : credentialSecrets(endpointCredentials(row.upstream_endpoint))
  // Raw keys only: a fingerprint or `asis` is no secret (and would cut ordinary text).
  const secrets = [rawAuthorization, clientKey, upstreamKey, ...endpointSecrets].filter(
    (value) => value !== 'asis' && !fingerprintShape.test(value),
  )
  return {
    authorization: row.authorization === null ? null : fingerprintOf(clientKey),
    upstream_sk: row.upstream_sk === null || upstreamKey === 'asis' ? row.upstream_sk : fingerprintOf(upstreamKey),
    upstream_endpoint: row.upstream_endpoint === null ? null : withoutCredentials(row.upstream_endpoint),
    headers: row.headers === null ? null : scrubHeaders(row.headers, redact, secrets),
    // In every form an encoder may have written them, as for new rows.
    response: row.response === null ? null : new SecretRedactor(secrets).redactText(row.response),
  }
}

function fingerprintOf(key: string): string {
  if (key === '' || fingerprintShape.test(key)) return key
  return keyFingerprint(keyDigest(key))
}

function scrubHeaders(text: string, redact: ReadonlySet<string>, secrets: readonly string[]): string {
  let scrubbed = text
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const headers = parsed as Record<string, unknown>
      for (const name of Object.keys(headers)) {
        if (!redact.has(name.toLowerCase())) continue
        const value = headers[name]
        headers[name] = Array.isArray(value) ? value.map(() => redactedValue) : redactedValue
      }
      scrubbed = JSON.stringify(headers)
    }
  } catch {
    // Not JSON: fall through to cutting the known secrets out of the text.
  }
  // Longest first, so a `Bearer <key>` header goes as a whole before the bare key would.
  for (const secret of [...secrets].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.replaceAll(secret, redactedValue)
  }
  return scrubbed
}
