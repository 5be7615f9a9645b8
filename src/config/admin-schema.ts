// The raw YAML shape of `admin:`: the keys that may use the admin endpoints (`POST /admin/reload`), apart from
// client keys. Each is written as `authorization` is (a string, comma-separated, or a list) or as `key_sha256`.
import { z } from 'zod'
import { keySha256Shape } from './key-sha256.js'
import { splitClientKeys, yamlMap } from './value-schemas.js'

const adminKeySchema = z.union([
  z.string(),
  z.strictObject({
    /** The SHA-256 of the key, so the file holds no secret. */
    key_sha256: z.string().regex(keySha256Shape, 'expected 64 hex digits, the SHA-256 of the key (printf %s "$KEY" | sha256sum)'),
  }),
])

export const adminSchema = yamlMap(
  z.strictObject({
    /** Unset or empty: the admin endpoints answer 404. */
    keys: z.union([z.string(), z.array(adminKeySchema)]).default([]),
  }),
)

export type RawAdmin = z.output<typeof adminSchema>

/** The admin keys as written, split like `authorization`, and the `key_sha256` entries (lower-cased). */
export function splitAdminKeys(keys: RawAdmin['keys']): { readonly keys: readonly string[]; readonly sha256: readonly string[] } {
  if (typeof keys === 'string') return { keys: splitClientKeys(keys), sha256: [] }
  const plain = keys.filter((key): key is string => typeof key === 'string')
  const sha256 = keys.filter((key) => typeof key !== 'string').map((key) => key.key_sha256.toLowerCase())
  return { keys: splitClientKeys(plain), sha256 }
}
