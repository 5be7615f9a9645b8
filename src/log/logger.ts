// A small structured logger: one JSON object per line on stderr; never given keys (callers pass names and fingerprints).

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  /**
   * For hot paths that serialise their own fields: `fieldsJson` is `"a":1,"b":"x"` (no braces), already
   * valid JSON, and the line gets the same time, level and message as any other.
   */
  line(level: LogLevel, msg: string, fieldsJson: string): void
  enabled(level: LogLevel): boolean
  /** A reloaded config's `log_level`, from the next line on (absent on loggers that cannot change). */
  setLevel?(level: LogLevel): void
}

export interface LoggerOptions {
  readonly level: LogLevel
  readonly write?: (line: string) => void
  readonly now?: () => number
}

export function createLogger(options: LoggerOptions): Logger {
  let threshold = rank[options.level]
  const write = options.write ?? ((line: string) => process.stderr.write(line))
  const now = options.now ?? Date.now
  const time = isoTimeCache()
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (rank[level] < threshold) return
    write(`${JSON.stringify({ time: time(now()), level, msg, ...fields })}\n`)
  }
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    line: (level, msg, fieldsJson) => {
      if (rank[level] < threshold) return
      write(`{"time":"${time(now())}","level":"${level}","msg":${JSON.stringify(msg)}${fieldsJson === '' ? '' : `,${fieldsJson}`}}\n`)
    },
    enabled: (level) => rank[level] >= threshold,
    setLevel: (level) => {
      threshold = rank[level]
    },
  }
}

/** `toISOString()` per line costs more than the rest of a short line; the part up to the second changes once a second. */
function isoTimeCache(): (ms: number) => string {
  let second = Number.NaN
  let prefix = ''
  return (ms) => {
    const whole = Math.floor(ms / 1000)
    if (whole !== second) {
      second = whole
      prefix = new Date(whole * 1000).toISOString().slice(0, 20)
    }
    const fraction = Math.floor(ms - whole * 1000)
    return `${prefix}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`
  }
}

/** A level name (any case), or undefined when `value` names none: callers refuse it rather than guess. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const lower = value.trim().toLowerCase()
  return (logLevels as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined
}
