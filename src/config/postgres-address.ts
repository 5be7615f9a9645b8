// Parses `dbaddr` for PostgreSQL: the libpq `key=value` form the predecessor documented, or a postgres:// URL.

export interface PostgresAddress {
  readonly host: string | undefined
  readonly port: number | undefined
  readonly user: string | undefined
  readonly password: string | undefined
  readonly database: string | undefined
  /** false: plain TCP. Otherwise TLS, verifying the server certificate or not. */
  readonly ssl: false | { readonly rejectUnauthorized: boolean }
  readonly connectTimeoutMs: number | undefined
  readonly applicationName: string | undefined
  /** Server settings (`TimeZone=UTC`), sent as `-c key=value` startup options as Go's pgx did. */
  readonly settings: Readonly<Record<string, string>>
}

export const postgresAddressHint =
  'expected a libpq string such as "host=127.0.0.1 port=5432 user=postgres dbname=openai_api_route sslmode=disable" or a postgres:// URL'

const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const

/** Undefined when the text is neither form, or names an sslmode, port or timeout that cannot be honoured. */
export function parsePostgresAddress(text: string): PostgresAddress | undefined {
  const trimmed = text.trim()
  const pairs = /^postgres(ql)?:\/\//i.test(trimmed) ? urlPairs(trimmed) : keywordPairs(trimmed)
  if (pairs === undefined || pairs.size === 0) return undefined
  return fromPairs(pairs)
}

function fromPairs(pairs: ReadonlyMap<string, string>): PostgresAddress | undefined {
  const settings: Record<string, string> = {}
  const known = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'connect_timeout', 'application_name'])
  for (const [key, value] of pairs) if (!known.has(key)) settings[key] = value
  const port = optionalInteger(pairs.get('port'))
  const connectTimeout = optionalInteger(pairs.get('connect_timeout'))
  if (port === null || connectTimeout === null) return undefined
  if (port !== undefined && (port < 1 || port > 65535)) return undefined
  const sslMode = pairs.get('sslmode') ?? 'disable'
  if (!(sslModes as readonly string[]).includes(sslMode)) return undefined
  return {
    host: nonEmpty(pairs.get('hostaddr')) ?? nonEmpty(pairs.get('host')),
    port,
    user: nonEmpty(pairs.get('user')),
    password: pairs.get('password'),
    database: nonEmpty(pairs.get('dbname')),
    // libpq's allow/prefer fall back to plain TCP when TLS fails; the driver cannot, so they mean plain TCP here.
    ssl: sslMode === 'require' ? { rejectUnauthorized: false } : sslMode.startsWith('verify-') ? { rejectUnauthorized: true } : false,
    // libpq: 0 (or absent) waits forever; a positive value under 2 seconds counts as 2.
    connectTimeoutMs: connectTimeout === undefined || connectTimeout === 0 ? undefined : Math.max(connectTimeout, 2) * 1000,
    applicationName: pairs.get('application_name'),
    settings,
  }
}

/** libpq keyword/value syntax: `key = value` pairs split by blanks; values may be 'single quoted' with \' and \\ escapes. */
function keywordPairs(text: string): Map<string, string> | undefined {
  const pairs = new Map<string, string>()
  let i = 0
  const skipBlanks = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++
  }
  while (true) {
    skipBlanks()
    if (i >= text.length) return pairs
    const keyStart = i
    while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++
    const key = text.slice(keyStart, i)
    skipBlanks()
    if (key === '' || text[i] !== '=') return undefined
    i++
    skipBlanks()
    let value = ''
    if (text[i] === "'") {
      i++
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) i++
        value += text[i]
        i++
      }
      if (text[i] !== "'") return undefined
      i++
    } else {
      while (i < text.length && !/\s/.test(text[i] as string)) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        value += text[i]
        i++
      }
    }
    pairs.set(key, value)
  }
}

function urlPairs(text: string): Map<string, string> | undefined {
  if (!URL.canParse(text)) return undefined
  const url = new URL(text)
  const pairs = new Map<string, string>()
  const put = (key: string, value: string): void => {
    if (value !== '') pairs.set(key, value)
  }
  put('host', decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1'))
  put('port', url.port)
  put('user', decodeURIComponent(url.username))
  if (url.password !== '') pairs.set('password', decodeURIComponent(url.password))
  put('dbname', decodeURIComponent(url.pathname.replace(/^\//, '')))
  for (const [key, value] of url.searchParams) pairs.set(key, value)
  // The scheme alone (`postgres://`) is a valid URL meaning "all defaults"; keep it distinguishable from garbage.
  if (pairs.size === 0) pairs.set('host', 'localhost')
  return pairs
}

/** undefined when absent, null when not a whole number. */
function optionalInteger(text: string | undefined): number | undefined | null {
  if (text === undefined || text === '') return undefined
  return /^\d+$/.test(text) ? Number(text) : null
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text
}
