// The source folders' layers: each folder imports only the folders its row allows, folders never import each other
// in a circle, and only the HTTP edge and the composition root (gateway.ts, main.ts, serve.ts, the primary in
// cluster/) reach into relay/. Read from the import lines of every non-test file under src/.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

/** The files directly under src/: the composition root, which may import any folder. */
const root = '(root)'

/**
 * What each folder may import, besides itself. A new edge is a design decision: add it here, pointing down,
 * never making a circle (the test below checks the table itself too).
 */
const allowedImports: Readonly<Record<string, readonly string[]>> = {
  time: [],
  log: [],
  threads: [],
  errors: [],
  streaming: [],
  wire: ['errors'],
  outcome: ['errors'],
  config: ['log', 'time', 'wire'],
  auth: ['config'],
  secrets: ['config', 'wire'],
  tokens: ['outcome', 'streaming', 'threads', 'time'],
  spend: ['config', 'outcome'],
  limits: ['config', 'errors', 'log', 'time'],
  routing: ['auth', 'config', 'time', 'wire'],
  providers: ['config', 'errors', 'streaming', 'time', 'wire'],
  relay: ['auth', 'config', 'errors', 'log', 'outcome', 'providers', 'secrets', 'streaming', 'time', 'tokens', 'wire'],
  observers: ['auth', 'config', 'errors', 'log', 'outcome', 'secrets', 'spend', 'threads', 'time'],
  http: [
    'auth',
    'config',
    'errors',
    'limits',
    'log',
    'observers',
    'outcome',
    'providers',
    'relay',
    'routing',
    'spend',
    'state',
    'time',
    'tokens',
    'wire',
  ],
  cli: ['auth', 'config', 'log'],
  state: ['config', 'errors', 'log', 'routing', 'time'],
  cluster: ['cli', 'config', 'limits', 'log', 'observers', 'providers', 'state', 'time'],
}

/** relay/ is the core the edge drives: everything else hears of a request through outcome/ and its observers. */
const mayImportRelay: ReadonlySet<string> = new Set([root, 'http', 'cluster'])

interface ImportEdge {
  readonly from: string
  readonly to: string
  /** `file => imported file`, both relative to src/. */
  readonly where: string
}

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url))

function folderOf(file: string): string {
  if (file.startsWith('..')) return 'outside src'
  const parts = file.split(/[\\/]/)
  return parts.length > 1 ? (parts[0] as string) : root
}

/** Every import (static, re-export or dynamic) of a relative module that crosses from one folder to another. */
function importEdges(files: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = []
  for (const [file, text] of files) {
    for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(file), match[1] as string))
      const from = folderOf(file)
      const to = folderOf(target)
      if (from !== to) edges.push({ from, to, where: `${file} => ${target}` })
    }
  }
  return edges
}

/** What breaks the layers, one line each; empty when they hold. */
function layerViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = []
  for (const edge of edges) {
    if (edge.to === 'relay' && !mayImportRelay.has(edge.from)) out.push(`only http/ and the composition root import relay/: ${edge.where}`)
    else if (edge.from !== root && !(allowedImports[edge.from] ?? []).includes(edge.to))
      out.push(`${edge.from} may not import ${edge.to}: ${edge.where}`)
  }
  for (const cycle of folderCycles(edges.map((edge) => [edge.from, edge.to] as const))) out.push(`folders import each other: ${cycle}`)
  return out
}

/** Each circle of folders found, as `a -> b -> a`. */
function folderCycles(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const next = new Map<string, Set<string>>()
  for (const [from, to] of pairs) {
    if (!next.has(from)) next.set(from, new Set())
    next.get(from)?.add(to)
  }
  const cycles: string[] = []
  const done = new Set<string>()
  const path: string[] = []
  const visit = (folder: string): void => {
    const at = path.indexOf(folder)
    if (at !== -1) {
      cycles.push([...path.slice(at), folder].join(' -> '))
      return
    }
    if (done.has(folder)) return
    path.push(folder)
    for (const to of next.get(folder) ?? []) visit(to)
    path.pop()
    done.add(folder)
  }
  for (const folder of next.keys()) visit(folder)
  return cycles
}

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>()
  for (const entry of readdirSync(srcDir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts') || entry.endsWith('.test.ts') || entry.endsWith('.d.ts')) continue
    files.set(relative(srcDir, join(srcDir, entry)), readFileSync(join(srcDir, entry), 'utf8'))
  }
  return files
}

test('every import between source folders is one the layer table allows, and no folders import each other', () => {
  const files = sourceFiles()
  assert.ok(files.size > 100, `found only ${files.size} source files under ${srcDir}`)
  assert.deepEqual(layerViolations(importEdges(files)), [])
})

test('the layer table itself allows no circle, and names only folders that exist', () => {
  const pairs = Object.entries(allowedImports).flatMap(([from, tos]) => tos.map((to) => [from, to] as const))
  assert.deepEqual(folderCycles(pairs), [])
  const folders = new Set([...sourceFiles().keys()].map(folderOf))
  for (const folder of [...Object.keys(allowedImports), ...pairs.map(([, to]) => to)])
    assert.ok(folders.has(folder), `no folder src/${folder}`)
  for (const folder of folders) assert.ok(folder === root || folder in allowedImports, `src/${folder} has no row in the layer table`)
})

test('an observer importing relay/, a cycle, or an import outside src/ is reported', () => {
  const files = new Map([
    ['observers/metrics/late.ts', "import type { Attempt } from '../../relay/attempt.js'"],
    ['wire/cors.ts', "export { sendJson } from '../http/gateway-app.js'"],
    ['http/gateway-app.ts', "import { answerPreflight } from '../wire/cors.js'"],
    ['time/clock.ts', "const helper = await import('../../tests/helpers/fake-clock.js')"],
  ])
  assert.deepEqual(layerViolations(importEdges(files)), [
    'only http/ and the composition root import relay/: observers/metrics/late.ts => relay/attempt.js',
    'wire may not import http: wire/cors.ts => http/gateway-app.js',
    'time may not import outside src: time/clock.ts => ../tests/helpers/fake-clock.js',
    'folders import each other: wire -> http -> wire',
  ])
})
