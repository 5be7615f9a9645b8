// Which URLs from a Replicate answer (stream, poll, cancel) the gateway follows: only on the endpoint's host and
// port or on a host in the upstream's allowed_hosts, and never from https down to http. Anything else could send the
// upstream's key to whoever controls the answer.

export interface FollowedUrl {
  readonly origin: string
  /** Path and query. */
  readonly path: string
}

export function followedUrl(url: string, endpoint: string, allowedHosts: readonly string[]): FollowedUrl | undefined {
  if (!URL.canParse(url)) return undefined
  const target = new URL(url)
  const base = new URL(endpoint)
  if (target.protocol !== 'https:' && (target.protocol !== 'http:' || base.protocol === 'https:')) return undefined
  if (target.username !== '' || target.password !== '') return undefined
  const allowed =
    // Another port on the same host may be another service, run by someone else.
    (target.hostname === base.hostname && portOf(target) === portOf(base)) ||
    // An allowed host with a port matches that port only; one without matches any port.
    // Compared with the port the URL connects to, so `stream.replicate.com:443` allows `https://stream.replicate.com/x`.
    allowedHosts.some((host) => (host.includes(':') ? host === `${target.hostname}:${portOf(target)}` : host === target.hostname))
  return allowed ? { origin: target.origin, path: `${target.pathname}${target.search}` } : undefined
}

/** The port a URL connects to, its scheme's default when none is written. */
function portOf(url: URL): string {
  if (url.port !== '') return url.port
  return url.protocol === 'https:' ? '443' : '80'
}

/** Host of a URL for error messages, without path or query (those may carry tokens). */
export function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : 'an unparseable URL'
}
