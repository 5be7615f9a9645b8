// Shows a key the one way listings show every key (upstream `sk` and client keys alike): its fingerprint,
// which tells keys apart, matches the `key` field of request logs and records, and reveals no character of it.
import { keyDigest, keyFingerprint } from './key-digest.js'

/** `key-` and 12 hex digits of the key's SHA-256, whatever the key's length or kind. */
export function maskKey(key: string): string {
  return keyFingerprint(keyDigest(key))
}
