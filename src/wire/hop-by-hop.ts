// Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only, never relayed.
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** Header names listed in a Connection header, which are hop-by-hop too. */
export function connectionTokens(value: string | undefined): string[] {
  if (value === undefined || value === '') return []
  return value
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '')
}
