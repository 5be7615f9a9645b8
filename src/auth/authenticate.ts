// Client keys → identity. Keys are compared by SHA-256 digest, so the comparison time does not depend
// on how much of a guessed key is right, and the keys themselves are not kept in memory maps.
import type { NamedKeyConfig, UpstreamConfig } from '../config/gateway-config.js'
import { keyDigest, keyFingerprint } from './key-digest.js'

export type ClientIdentity =
  | {
      readonly kind: 'key'
      readonly digest: string
      readonly fingerprint: string
      /** A named key (`keys:`): its name, models, upstreams and limits. Undefined for a predecessor key. */
      readonly named?: NamedKeyConfig
    }
  /** No key, or a key no upstream lists: may use `noauth` upstreams only. */
  | {
      readonly kind: 'anonymous'
      readonly presentedKey: boolean
      /** The fingerprint of a presented but unknown key, so records can tell such requests apart. */
      readonly fingerprint?: string
    }

const anonymousNoKey: ClientIdentity = Object.freeze({ kind: 'anonymous', presentedKey: false })

/** The key part of an Authorization header: the value minus a leading `Bearer ` (any case). */
export function extractClientKey(authorization: string | undefined): string {
  if (authorization === undefined) return ''
  const value = authorization.trim()
  // `Bearer ` with nothing after it (an SDK given an empty key) is no key, not the key "Bearer".
  return /^bearer(\s|$)/i.test(value) ? value.replace(/^bearer/i, '').trim() : value
}

export class Authenticator {
  readonly #known = new Map<string, ClientIdentity>()
  /** Per upstream index: the digests of the predecessor keys that may use it. */
  readonly #allowed: ReadonlyArray<ReadonlySet<string>>
  /** Per named key's digest: the names of the upstreams it may use; undefined: every upstream. */
  readonly #namedUpstreams = new Map<string, ReadonlySet<string> | undefined>()

  /** `keys`: the named keys (`keys:`); a digest also listed as a predecessor key is refused by the config loader. */
  constructor(upstreams: readonly UpstreamConfig[], keys: readonly NamedKeyConfig[]) {
    this.#allowed = upstreams.map((upstream) => {
      const digests = new Set<string>()
      for (const key of upstream.clientKeys) {
        const digest = keyDigest(key)
        digests.add(digest)
        if (!this.#known.has(digest)) {
          this.#known.set(digest, Object.freeze({ kind: 'key', digest, fingerprint: keyFingerprint(digest) }))
        }
      }
      return digests
    })
    for (const named of keys) {
      const { digest } = named
      this.#known.set(digest, Object.freeze({ kind: 'key', digest, fingerprint: keyFingerprint(digest), named }))
      this.#namedUpstreams.set(digest, named.upstreams === undefined ? undefined : new Set(named.upstreams))
    }
  }

  authenticate(authorization: string | undefined): ClientIdentity {
    const key = extractClientKey(authorization)
    if (key === '') return anonymousNoKey
    const digest = keyDigest(key)
    return this.#known.get(digest) ?? { kind: 'anonymous', presentedKey: true, fingerprint: keyFingerprint(digest) }
  }

  /**
   * Whether this identity may use the upstream. A named key: the upstreams it lists (all when it lists none), whatever
   * an upstream's `authorization` or `noauth` says, which govern the predecessor's keys and keyless clients only.
   */
  mayUse(identity: ClientIdentity, upstream: UpstreamConfig): boolean {
    if (identity.kind === 'key' && identity.named !== undefined) {
      return this.#namedUpstreams.get(identity.digest)?.has(upstream.name) ?? true
    }
    if (upstream.noauth) return true
    return identity.kind === 'key' && (this.#allowed[upstream.index]?.has(identity.digest) ?? false)
  }
}
