// Finds where a key path sits in the parsed YAML, so a problem names the line and column to fix.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'
import type { ConfigPathSegment } from './config-error.js'

export interface SourcePosition {
  readonly line: number
  readonly col: number
}

/**
 * The node at `path`, or the deepest one that exists (a missing key points at the map it belongs in).
 * With `atKey`, the last segment names a key and the key node is returned, for "unknown key" problems.
 */
export function findYamlNode(doc: Document, path: readonly ConfigPathSegment[], atKey = false): Node | undefined {
  return walk(doc, path, atKey).node
}

/** The node at exactly `path`, or undefined when some key on the way is missing. */
export function findExactYamlNode(doc: Document, path: readonly ConfigPathSegment[]): Node | undefined {
  const { node, complete } = walk(doc, path, false)
  return complete ? node : undefined
}

function walk(doc: Document, path: readonly ConfigPathSegment[], atKey: boolean): { node: Node | undefined; complete: boolean } {
  let node: unknown = doc.contents
  let found = isNode(node) ? node : undefined
  for (const [depth, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : item.key) === String(segment))
      if (pair === undefined) return { node: found, complete: false }
      if (atKey && depth === path.length - 1 && isNode(pair.key)) return { node: pair.key, complete: true }
      // `key:` with nothing after it has no value node; its key is the closest position.
      node = pair.value ?? pair.key
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment]
    } else {
      return { node: found, complete: false }
    }
    if (!isNode(node)) return { node: found, complete: false }
    found = node
  }
  return { node: found, complete: true }
}

export function positionOf(node: Node | undefined, lineCounter: LineCounter): SourcePosition {
  const offset = node?.range?.[0]
  return offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset)
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value)
}
