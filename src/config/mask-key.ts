// Shows enough of a key to tell keys apart in logs and listings, never enough to use or guess it.

/** `****` plus the last 4 characters; short keys show 2 (under 16 characters) or none (under 8). */
export function maskKey(key: string): string {
  const shown = key.length < 8 ? 0 : key.length < 16 ? 2 : 4
  return `****${shown === 0 ? '' : key.slice(-shown)}`
}
