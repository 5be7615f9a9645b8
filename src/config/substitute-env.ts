// Replaces `${VAR}` in YAML string values from the environment, on the parsed tree so positions stay true.
import { isPair, isScalar, isSeq, parseDocument, visit, type Document, type Scalar } from 'yaml'
import type { ConfigPathSegment } from './config-error.js'

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

export interface EnvProblem {
  readonly node: Scalar
  readonly path: readonly ConfigPathSegment[]
  readonly message: string
}

/** Mutates `doc`; returns one problem per value that names an unset variable. Keys are never substituted. */
export function substituteEnvVars(doc: Document, env: NodeJS.ProcessEnv): EnvProblem[] {
  const problems: EnvProblem[] = []
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return
      const missing: string[] = []
      const text = node.value.replace(reference, (whole, name: string) => {
        const value = env[name]
        if (value === undefined) missing.push(name)
        return value ?? whole
      })
      if (missing.length > 0) {
        problems.push({ node, path: keyPath(ancestors, node), message: missing.map((name) => `\${${name}} is not set`).join(', ') })
        return
      }
      // Unquoted `timeout: ${T}` should read as a number, as if the value had been written there.
      node.value = node.type === 'PLAIN' ? readPlainScalar(text) : text
      node.source = text
    },
  })
  return problems
}

function readPlainScalar(text: string): string | number | boolean {
  const doc = parseDocument(text)
  const value = isScalar(doc.contents) && doc.errors.length === 0 ? doc.contents.value : undefined
  return typeof value === 'number' || typeof value === 'boolean' ? value : text
}

/** `visit` hands over the ancestor nodes; turn them into the key path a problem is reported at. */
function keyPath(ancestors: readonly unknown[], node: Scalar): ConfigPathSegment[] {
  const path: ConfigPathSegment[] = []
  ancestors.forEach((ancestor, depth) => {
    if (isPair(ancestor)) path.push(isScalar(ancestor.key) ? String(ancestor.key.value) : '?')
    else if (isSeq(ancestor)) path.push(ancestor.items.indexOf(ancestors[depth + 1] ?? node))
  })
  return path
}
