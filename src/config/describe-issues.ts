// Turns zod issues into one plain sentence per problem, at the exact key path, in YAML words (map, list).
import type { z } from 'zod'
import type { ConfigPathSegment } from './config-error.js'

type Issue = z.core.$ZodIssue

export interface IssueReport {
  readonly path: readonly ConfigPathSegment[]
  readonly message: string
  /** Point at the key itself (an unknown key), not at its value. */
  readonly atKey: boolean
}

export function describeIssues(issues: readonly Issue[], input: unknown): IssueReport[] {
  return issues.flatMap((issue) => describeIssue(issue, [], input))
}

/**
 * Paths where a string was expected but a number or boolean was found. Go read any scalar into a string field,
 * so `authorization: 123456` worked there; the caller may retry with the scalar's source text.
 */
export function stringExpectedPaths(issues: readonly Issue[], prefix: readonly ConfigPathSegment[] = []): ConfigPathSegment[][] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...toSegments(issue.path)]
    if (issue.code === 'invalid_type' && issue.expected === 'string') return [path]
    if (issue.code === 'invalid_union') return issue.errors.flatMap((branch) => stringExpectedPaths(branch, path))
    return []
  })
}

function describeIssue(issue: Issue, prefix: readonly ConfigPathSegment[], input: unknown): IssueReport[] {
  const path = [...prefix, ...toSegments(issue.path)]
  const report = (message: string): IssueReport[] => [{ path, message, atKey: false }]
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key', atKey: true }))
    case 'invalid_type':
      return report(`expected ${nameOfType(issue.expected)}, got ${describeValue(valueAt(input, path))}`)
    case 'invalid_value':
      // Enum values are never secrets, so the one written is worth repeating.
      return report(
        `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, got ${quoteShort(valueAt(input, path))}`,
      )
    case 'invalid_union': {
      // Only one alternative usually fits the shape that was written (a list, say); its complaint is the useful one.
      const fitting = issue.errors.filter((branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0))
      const [only] = fitting
      if (fitting.length === 1 && only !== undefined) return only.flatMap((inner) => describeIssue(inner, path, input))
      const expected = issue.errors.flat().flatMap((inner) => (inner.code === 'invalid_type' ? [nameOfType(inner.expected)] : []))
      if (expected.length === 0) return report(issue.message)
      return report(`expected ${[...new Set(expected)].join(' or ')}, got ${describeValue(valueAt(input, path))}`)
    }
    default:
      // Messages of refinements and bounds are written in the schema for the user.
      return report(issue.message)
  }
}

function toSegments(path: readonly PropertyKey[]): ConfigPathSegment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))
}

function nameOfType(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
    case 'map':
      return 'a map'
    case 'array':
      return 'a list'
    case 'boolean':
      return 'true or false'
    case 'number':
      return 'a number'
    case 'int':
      return 'a whole number'
    case 'string':
      return 'a string'
    default:
      return expected
  }
}

/** Says what kind of value was found but never the value itself: it may be a key. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  switch (typeof value) {
    case 'object':
      return 'a map'
    case 'boolean':
      return 'a boolean'
    case 'number':
      return 'a number'
    case 'string':
      return 'a string'
    default:
      return typeof value
  }
}

function quoteShort(value: unknown): string {
  if (typeof value !== 'string') return describeValue(value)
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
}

function valueAt(input: unknown, path: readonly ConfigPathSegment[]): unknown {
  let value = input
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string | number, unknown>)[segment]
  }
  return value
}
