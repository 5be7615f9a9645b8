// Command-line parsing: Go-style single-dash flags (-config FILE) as the predecessor took, and --flags.

export type Command = 'serve' | 'check' | 'help' | 'version'

export interface CliArgs {
  readonly command: Command
  /** Explicit config path; undefined = ./config.yaml if present, else the environment. */
  readonly configPath: string | undefined
  readonly list: boolean
  readonly dbLog: boolean
  readonly workers: number | undefined
  /** `check --connect`: also log in to the records database. */
  readonly connect: boolean
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly code = 'CLI_USAGE'
}

const valueFlags = new Set(['config', 'workers'])
const boolFlags = new Set(['list', 'dblog', 'help', 'h', 'version', 'connect'])

export function parseArgs(argv: readonly string[]): CliArgs {
  let command: Command = 'serve'
  let configPath: string | undefined
  let list = false
  let dbLog = false
  let connect = false
  let workers: number | undefined
  let sawCommand = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('-')) {
      if (sawCommand || (arg !== 'serve' && arg !== 'check' && arg !== 'help')) throw new UsageError(`unexpected argument: ${arg}`)
      command = arg
      sawCommand = true
      continue
    }
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    const name = eq === -1 ? body : body.slice(0, eq)
    if (boolFlags.has(name)) {
      if (eq !== -1) throw new UsageError(`-${name} takes no value`)
      if (name === 'list') list = true
      else if (name === 'dblog') dbLog = true
      else if (name === 'version') command = command === 'help' ? 'help' : 'version'
      else if (name === 'connect') connect = true
      else command = 'help'
      continue
    }
    if (!valueFlags.has(name)) throw new UsageError(`unknown flag: ${arg}`)
    let value: string | undefined
    if (eq !== -1) value = body.slice(eq + 1)
    else value = argv[++i]
    if (value === undefined || value === '') throw new UsageError(`-${name} needs a value`)
    if (name === 'config') configPath = value
    else {
      workers = Number(value)
      if (!Number.isInteger(workers) || workers < 1) throw new UsageError('--workers needs a whole number of 1 or more')
    }
  }
  return { command, configPath, list, dbLog, workers, connect }
}

export const usage = `openai-api-route: one OpenAI-compatible endpoint in front of many LLM upstreams.

Usage:
  openai-api-route [serve] [-config FILE] [-dblog] [--workers N]
                                                    start the gateway
  openai-api-route -list [-config FILE]              print the upstreams and exit
  openai-api-route check [-config FILE] [--connect]  validate a config file (and the records database's
                                                    settings; --connect logs in to PostgreSQL) and exit
  openai-api-route --version                         print the version and exit
  openai-api-route --help                            this text

Flags take one dash or two (-config FILE, --config FILE, --config=FILE).
  -config FILE   the YAML config (default ./config.yaml; without one, the environment:
                 OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_API_ROUTE_KEYS, OPENAI_API_ROUTE_ADDRESS)
  -list          print each upstream's name, endpoint, type, allow, deny and models, keys masked
  -dblog         log the SQL statements of the request records
  --workers N    processes sharing the port (default: one per core; 1 = a single process)
Environment: LOG_LEVEL (debug, info, warn, error, silent; default info, or the file's log_level).
While serving, every line on stdout and stderr is a JSON object.
`
