// The form in which an allow/deny path entry and a request's URL path are compared. Upstreams differ in what
// they take for the same path (Azure and Express ignore case, servlet containers drop `;` parameters, many
// frameworks ignore or redirect a trailing slash), so a deny entry must hold against every spelling that some
// upstream could read as the path it names.
import { canonicalPath } from './canonical-path.js'

/** e.g. `/v1/Files/`, `/v1/files;x=1`, `/v1/fil%65s` and `/V1//files` all give `/v1/files`. */
export function pathEntryKey(path: string): string {
  const segments = (canonicalPath(path) ?? path).split('/')
  const kept: string[] = []
  for (const segment of segments) {
    const name = segment.split(';', 1)[0] as string
    if (name !== '') kept.push(name)
  }
  return `/${kept.join('/')}`.toLowerCase()
}

/** Why a path entry can never match a relayed request, or undefined when it can. */
export function pathEntryProblem(entry: string): string | undefined {
  if (entry.includes('?') || entry.includes('#')) return 'a path entry matches the URL path alone, never a query or fragment'
  if (canonicalPath(entry) === undefined)
    return 'a path entry with dot segments, escaped slashes or backslashes matches nothing: such paths are refused'
  if (!pathEntryKey(entry).startsWith('/v1/')) return 'a path entry matches relayed paths only, which start with /v1/'
  return undefined
}
