// `serve`: one gateway process (with its records), as the only process or as one worker of `--workers N`.
import type { WorkerLink } from './cluster/worker-link.js'
import type { GatewayConfig } from './config/gateway-config.js'
import { startGateway, type RunningGateway } from './gateway.js'
import { PriceTable } from './spend/price-table.js'
import type { Logger } from './log/logger.js'
import { startRecording } from './observers/recording/start-recording.js'
import { logListening } from './cli/listening-banner.js'
import { forcedExitCode, onStopSignals } from './cli/stop-signals.js'
import { watchSetting } from './config/config-file-watch.js'
import { systemClock } from './time/clock.js'

export interface ServeOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Writes the start banner (stdout). */
  readonly out: Logger
  readonly dbLog: boolean
  /** Set in a worker: the primary prints the address and runs alerts. */
  readonly link?: WorkerLink
}

export async function serve(options: ServeOptions): Promise<number> {
  const { config, logger, link } = options
  const prices = new PriceTable(config.prices)
  const recording = startRecording({ config, logger, logSql: options.dbLog, prices })
  let gateway: RunningGateway | undefined
  // `watch_config` (one process; the primary of `--workers N` watches the file for the group), followed at each reload.
  const watch = watchSetting({ clock: systemClock, logger, reload: () => void gateway?.reloadConfig('watch_config') })
  try {
    gateway = await startGateway({
      config,
      logger,
      prices,
      ...(recording === undefined ? {} : { recorder: recording, spendSince: (since, keys) => recording.spendByKeySince(since, keys) }),
      ...(link === undefined
        ? { onConfigApplied: (next: GatewayConfig) => watch.follow(next) }
        : { link, reloadGroup: () => link.reloadGroup() }),
    })
  } catch (error) {
    await recording?.close(0)
    throw error
  }
  const running = gateway
  link?.onReload(() => running.reloadConfig('primary'))
  if (link === undefined) watch.follow(config)
  if (link === undefined) logListening(options.out, config, gateway.url, 1)
  else link.announceListening(gateway.url)
  return new Promise((resolve) => {
    let stopping = false
    const stop = (reason: string): void => {
      if (stopping) return
      stopping = true
      watch.close()
      logger.info(`${reason}: draining`, { deadlineMs: config.shutdownTimeoutMs })
      gateway.shutdown().then(
        async () => {
          // A worker hands its last metrics to the primary, then lets go of the channel so the process can end.
          await link?.leave()
          resolve(0)
        },
        (error: unknown) => {
          logger.error('shutdown failed', { error: String(error) })
          resolve(1)
        },
      )
    }
    onStopSignals({
      logger,
      stop,
      forceExit: () => process.exit(forcedExitCode),
      logHangup: link === undefined,
      // In a worker the primary hears SIGHUP and reloads every worker.
      ...(link === undefined ? { reload: () => void running.reloadConfig('SIGHUP') } : {}),
    })
    // A worker whose primary is gone drains and exits rather than serving on alone.
    if (link !== undefined) process.once('disconnect', () => stop('primary gone'))
  })
}
