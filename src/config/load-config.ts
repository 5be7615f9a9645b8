// Reads config.yaml into a frozen GatewayConfig, or throws a ConfigError listing every problem with its position.
import { readFileSync } from 'node:fs'
import { isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { ConfigError, formatConfigPath, formatConfigProblem, type ConfigPathSegment, type ConfigProblem } from './config-error.js'
import { rawConfigSchema, type RawConfig } from './config-schema.js'
import { deepFreeze } from './deep-freeze.js'
import { describeIssues, stringExpectedPaths } from './describe-issues.js'
import type { GatewayConfig } from './gateway-config.js'
import { substituteEnvVars } from './substitute-env.js'
import { toGatewayConfig } from './to-gateway-config.js'
import { findExactYamlNode, findYamlNode, positionOf } from './yaml-position.js'

export interface LoadedConfig {
  readonly config: GatewayConfig
  /** Formatted like problems (`FILE:LINE:COL path: message`); the config is usable anyway. */
  readonly warnings: readonly string[]
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv): LoadedConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError([{ file: path, line: 0, col: 0, path: '', message: `cannot read the file (${reason})` }], { cause: error })
  }
  return parseConfigText(text, path, env)
}

/** `source` names the file in problems and becomes `config.source`. */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const lineCounter = new LineCounter()
  // merge: Go's yaml.v3 honoured `<<: *anchor`, so existing files may use it.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true })
  const problemAt = (node: Node | undefined, path: readonly ConfigPathSegment[], message: string): ConfigProblem => ({
    file: source,
    ...positionOf(node, lineCounter),
    path: formatConfigPath(path),
    message,
  })

  // A tree with syntax errors is a guess; validating it would add problems that are not really there.
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        file: source,
        ...lineCounter.linePos(error.pos[0]),
        path: '',
        // yaml's own wording here names its API, which means nothing to someone editing a config file.
        message: error.code === 'MULTIPLE_DOCS' ? 'a config file holds one YAML document: remove the second `---`' : error.message,
      })),
    )
  }

  const envProblems = substituteEnvVars(doc, env)
  const unsetNodes = new Set<Node>(envProblems.map((problem) => problem.node))
  const problems = envProblems.map((problem) => problemAt(problem.node, problem.path, problem.message))
  const result = validate(doc)
  if (!result.success) {
    for (const issue of describeIssues(result.issues, result.input)) {
      const node = findYamlNode(doc, issue.path, issue.atKey)
      // A value still holding `${UNSET}` is already reported; "expected a number" there would be noise.
      if (node !== undefined && unsetNodes.has(node)) continue
      problems.push(problemAt(node, issue.path, issue.message))
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(sortByPosition(problems))

  const { config, notes, problems: mappingProblems } = toGatewayConfig(result.data, source, env)
  if (mappingProblems.length > 0) {
    throw new ConfigError(
      sortByPosition(mappingProblems.map((problem) => problemAt(findYamlNode(doc, problem.path), problem.path, problem.message))),
    )
  }
  const warnings = [
    ...doc.warnings.map((warning) =>
      formatConfigProblem({ file: source, ...lineCounter.linePos(warning.pos[0]), path: '', message: warning.message }),
    ),
    ...notes.map((note) => formatConfigProblem(problemAt(findYamlNode(doc, note.path), note.path, note.message))),
  ]
  return deepFreeze({ config, warnings })
}

type Validation = { success: true; data: RawConfig } | { success: false; issues: Parameters<typeof describeIssues>[0]; input: unknown }

/**
 * Go decoded any scalar into a string field (`authorization: 123456`). Where a string was expected and an
 * unquoted number or boolean was written, retry once with the text exactly as written (`0123` stays `0123`).
 */
function validate(doc: Document): Validation {
  let input: unknown = doc.toJS() ?? {}
  let result = rawConfigSchema.safeParse(input)
  if (!result.success) {
    let retyped = false
    for (const path of stringExpectedPaths(result.error.issues)) {
      const node = findExactYamlNode(doc, path)
      if (
        isScalar(node) &&
        node.type === 'PLAIN' &&
        typeof node.source === 'string' &&
        (typeof node.value === 'number' || typeof node.value === 'boolean')
      ) {
        node.value = node.source
        retyped = true
      }
    }
    if (retyped) {
      input = doc.toJS() ?? {}
      result = rawConfigSchema.safeParse(input)
    }
  }
  return result.success ? { success: true, data: result.data } : { success: false, issues: result.error.issues, input }
}

function sortByPosition(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col)
}
