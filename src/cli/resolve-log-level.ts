// The log level to run with: LOG_LEVEL when set (so a level can be changed without editing the file), else
// the file's log_level, else info. A name that is no level is refused, never quietly replaced by info.
import { ConfigError } from '../config/config-error.js'
import { logLevels, parseLogLevel, type LogLevel } from '../log/logger.js'

export function resolveLogLevel(env: NodeJS.ProcessEnv, fileLevel: LogLevel | undefined): LogLevel {
  const value = env['LOG_LEVEL']
  if (value === undefined || value.trim() === '') return fileLevel ?? 'info'
  const level = parseLogLevel(value)
  if (level !== undefined) return level
  throw new ConfigError([
    {
      file: 'environment',
      line: 0,
      col: 0,
      path: 'LOG_LEVEL',
      message: `${JSON.stringify(value)} is not a log level; expected one of ${logLevels.join(', ')}`,
    },
  ])
}
