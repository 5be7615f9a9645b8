// The SHA-256 of a client key, lower-case hex: the one form a key is compared and kept in (`keys[].key_sha256`).
import { hash } from 'node:crypto'

/** One-shot hashing: a third of createHash's cost. */
export function keySha256(key: string): string {
  return hash('sha256', key, 'hex')
}

/** `key_sha256:` as written: 64 hex digits in either case. */
export const keySha256Shape = /^[0-9a-fA-F]{64}$/
