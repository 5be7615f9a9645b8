// The one error a bad config file raises: every problem found, each pinned to FILE:LINE:COL and a key path.

/** One thing wrong with a config; `line`/`col` are 1-based, 0 when there is no position (environment, unreadable file). */
export interface ConfigProblem {
  readonly file: string
  readonly line: number
  readonly col: number
  /** Key path such as `upstreams[1].timeout`; empty for the document as a whole. */
  readonly path: string
  readonly message: string
}

export type ConfigPathSegment = string | number

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const
  readonly problems: readonly ConfigProblem[]

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    super(problems.map(formatConfigProblem).join('\n'), options)
    this.name = 'ConfigError'
    this.problems = Object.freeze([...problems])
  }

  /** Just the problem lines, so `String(error)` prints what an editor can jump to. */
  override toString(): string {
    return this.message
  }
}

/** `config.yaml:7:5 upstreams[1].timeout: expected a number` (position left out when unknown). */
export function formatConfigProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col}` : problem.file
  return problem.path === '' ? `${where}: ${problem.message}` : `${where} ${problem.path}: ${problem.message}`
}

/** `['upstreams', 1, 'timeout']` → `upstreams[1].timeout`; keys that are not plain words are quoted. */
export function formatConfigPath(path: readonly ConfigPathSegment[]): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}
