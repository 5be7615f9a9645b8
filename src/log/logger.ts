// A small structured logger: one JSON object per line on stderr; never given keys (callers pass names and fingerprints).

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  enabled(level: LogLevel): boolean
}

export interface LoggerOptions {
  readonly level: LogLevel
  readonly write?: (line: string) => void
  readonly now?: () => number
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = rank[options.level]
  const write = options.write ?? ((line: string) => process.stderr.write(line))
  const now = options.now ?? Date.now
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (rank[level] < threshold) return
    write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...fields })}\n`)
  }
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    enabled: (level) => rank[level] >= threshold,
  }
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  const lower = value?.toLowerCase()
  return (logLevels as readonly string[]).includes(lower ?? '') ? (lower as LogLevel) : fallback
}
