// SIGTERM and SIGINT while serving. The first starts the drain. A second SIGTERM (an orchestrator or a
// supervisor repeating itself) changes nothing: the drain goes on. A SIGINT while draining (Ctrl-C twice)
// is someone at a terminal who will not wait: the process exits at once. SIGHUP (a supervisor asking for a reload,
// or a closed terminal) reloads the config where a reload is given; it would otherwise end the process silently by
// Node's default, so it is at least logged and ignored.
import type { EventEmitter } from 'node:events'
import type { Logger } from '../log/logger.js'

/** 128 + SIGINT, as a shell reports a process ended by Ctrl-C. */
export const forcedExitCode = 130

export interface StopSignalOptions {
  readonly logger: Logger
  /** Starts the drain; called once, with the signal's name. */
  readonly stop: (signal: 'SIGTERM' | 'SIGINT') => void
  /** Ends the process now (a SIGINT while draining). */
  readonly forceExit: () => void
  /** Where the signals arrive (the process, or a stand-in in tests). */
  readonly signals?: EventEmitter
  /** False in a worker of `--workers N`: the primary says, once for the group, that SIGHUP is ignored. */
  readonly logHangup?: boolean
  /** What SIGHUP does: reload the config (not while draining). Unset: it is ignored. */
  readonly reload?: () => void
}

/** Listens for good (a signal with no listener would end the process with Node's default action). */
export function onStopSignals(options: StopSignalOptions): void {
  const signals = options.signals ?? process
  let draining = false
  const on = (signal: 'SIGTERM' | 'SIGINT'): void => {
    if (!draining) {
      draining = true
      options.stop(signal)
      return
    }
    if (signal === 'SIGINT') {
      options.logger.warn('SIGINT while draining: exiting now', { exitCode: forcedExitCode })
      options.forceExit()
      return
    }
    options.logger.info('SIGTERM while draining: still draining (a SIGINT exits at once)')
  }
  signals.on('SIGTERM', () => on('SIGTERM'))
  signals.on('SIGINT', () => on('SIGINT'))
  signals.on('SIGHUP', () => {
    if (options.reload !== undefined) {
      if (draining) options.logger.info('SIGHUP while draining: no reload')
      else options.reload()
      return
    }
    if (options.logHangup === false) return
    options.logger.warn('SIGHUP ignored: the gateway goes on with the config it started with (restart it to load a changed config)')
  })
}
