// The canonical form of a request path, or nothing when the path could leave the endpoint it is relayed under.
// Proxies and upstreams resolve dot segments and decode escapes, so what the gateway routes (allow/deny, the
// endpoint's base path) must already be what they will see: a path that would resolve elsewhere is refused.

/** Characters RFC 3986 calls unreserved: an escape of one means the character itself (section 6.2.2.2). */
const unreserved = /^[A-Za-z0-9\-._~]$/

/** Already canonical: one or more `/segment`, each of unreserved characters and not starting with `.`; a trailing `/` allowed. */
const plainPath = /^(?:\/[A-Za-z0-9\-_~][A-Za-z0-9\-._~]*)+\/?$/

/**
 * Refused (undefined): a `.` or `..` segment, raw or with escaped dots (`%2e`, any case), also before a `;`
 * parameter (`..;`, which some servers strip); an escaped or raw backslash, an escaped slash; an escaped `%`
 * (a double-encoded `%252e` becomes a dot to a server that decodes twice); escaped control bytes; malformed
 * escapes; a raw `#`; anything that does not start with `/`.
 * Canonical: escaped unreserved characters decoded, other escapes in upper case, repeated slashes merged.
 */
export function canonicalPath(pathname: string): string | undefined {
  // The usual path (`/v1/chat/completions`) is canonical already: segments of unreserved characters not starting
  // with a dot, single slashes. Only others are taken apart.
  if (plainPath.test(pathname)) return pathname
  // A request target has no fragment (RFC 9112, section 3.2): a raw `#` would end the path an upstream routes by.
  if (!pathname.startsWith('/') || pathname.includes('\\') || pathname.includes('#')) return undefined
  const segments = pathname.split('/')
  const kept: string[] = []
  for (let i = 1; i < segments.length; i++) {
    const segment = decodeSegment(segments[i] as string)
    if (segment === undefined) return undefined
    const name = segment.split(';', 1)[0]
    if (name === '.' || name === '..') return undefined
    // A repeated slash is merged (nginx's merge_slashes); a trailing one is kept.
    if (segment === '' && i !== segments.length - 1) continue
    kept.push(segment)
  }
  return `/${kept.join('/')}`
}

/**
 * An absolute-form request target (`http://host/v1/models`, which a server must accept: RFC 9112, section
 * 3.2.2) as its path and query, like nginx, which routes by the path and ignores the authority; any other
 * target as it is.
 */
export function originForm(target: string): string {
  const authority = /^https?:\/\/[^/?#]*/i.exec(target)
  if (authority === null) return target
  const rest = target.slice(authority[0].length)
  return rest.startsWith('/') ? rest : `/${rest}`
}

function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment
  let out = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string
    if (c !== '%') {
      out += c
      continue
    }
    const hex = segment.slice(i + 1, i + 3)
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
    const code = parseInt(hex, 16)
    // `/`, `\`, `%` and control bytes have no business being escaped in an API path.
    if (code === 0x2f || code === 0x5c || code === 0x25 || code < 0x20 || code === 0x7f) return undefined
    const char = String.fromCharCode(code)
    out += unreserved.test(char) ? char : `%${hex.toUpperCase()}`
    i += 2
  }
  return out
}
