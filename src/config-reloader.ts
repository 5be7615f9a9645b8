// Reloads the config file into a running gateway: the whole file is read and validated first; a good one is put in
// place at once (gateway.ts swaps one reference), a bad one changes nothing. Either way the result is logged, counted
// (`config_reloads_total`) and told to the alerting, whose `config` incident the next good reload closes.
import { ConfigError, formatConfigProblem } from './config/config-error.js'
import type { LoadedConfig } from './config/load-config.js'
import type { ReloadResult, ReloadTrigger } from './config/reload-result.js'
import type { RunningGateway } from './gateway.js'
import type { Logger } from './log/logger.js'

export interface ConfigReloaderOptions {
  readonly gateway: Pick<RunningGateway, 'currentConfig' | 'configVersion' | 'applyConfig' | 'observability'>
  readonly logger: Logger
  /** Reads and validates the file (or the environment) the gateway started from. */
  readonly load: () => LoadedConfig
  /**
   * False in a worker of `--workers N`: its primary has already validated the file, counted the reload, warned and
   * alerted once for the group; the worker logs only what it applied.
   */
  readonly speaksForGroup?: boolean
}

export type ConfigReloader = (trigger: ReloadTrigger) => ReloadResult

export function configReloader(options: ConfigReloaderOptions): ConfigReloader {
  const { gateway, logger } = options
  const forGroup = options.speaksForGroup !== false
  const { metrics, alertEvents } = gateway.observability
  return function reloadConfig(trigger) {
    const source = gateway.currentConfig().source
    let loaded: LoadedConfig
    try {
      loaded = options.load()
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems.map(formatConfigProblem) : [`${source}: ${String(error)}`]
      if (forGroup) metrics.configReloaded('error')
      for (const problem of problems) logger.error('config reload refused', { trigger, problem })
      logger.error('config reload refused: still serving the previous config', {
        trigger,
        version: gateway.configVersion(),
        problems: problems.length,
      })
      if (forGroup) alertEvents.configReloaded(source, false, summary(problems))
      return { result: 'error', version: gateway.configVersion(), problems }
    }
    const applied = gateway.applyConfig(loaded.config)
    if (forGroup) metrics.configReloaded('ok')
    if (forGroup) {
      for (const warning of loaded.warnings) logger.warn('config warning', { problem: warning })
      for (const key of applied.restartOnly)
        logger.warn('config reload: this setting changes only at a restart; the running value is kept', { key })
      alertEvents.configReloaded(source, true, '')
    }
    logger.info(forGroup ? 'config reloaded' : 'config reloaded by the primary', {
      trigger,
      version: applied.version,
      previousVersion: applied.previousVersion,
    })
    return { result: 'ok', ...applied, warnings: loaded.warnings }
  }
}

/** The first problem and how many more: an alert message stays one line. */
function summary(problems: readonly string[]): string {
  const first = problems[0] ?? 'unknown problem'
  return problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first
}
