// Key digests and fingerprints: the only forms in which client keys are kept after start-up.
import { keySha256 } from '../config/key-sha256.js'

/** SHA-256 of the key, hex: the same digest `keys[].key_sha256` holds. Lookups by digest leak nothing useful through timing. */
export function keyDigest(key: string): string {
  return keySha256(key)
}

/** A stable, non-reversible name for a key, safe for logs, records and admin pages. */
export function keyFingerprint(digest: string): string {
  return `key-${digest.slice(0, 12)}`
}
