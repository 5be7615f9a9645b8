// The primary's side of a reload with `--workers N`: it reads and validates the file once for the group (problems,
// warnings, the metric and the alert are its to report, once), then has every worker reload it and waits for each
// worker's answer, so a reload is done when every worker serves the new config (or has gone).
import type { Worker } from 'node:cluster'
import { ConfigError, formatConfigProblem } from '../config/config-error.js'
import { configVersion } from '../config/config-version.js'
import type { GatewayConfig } from '../config/gateway-config.js'
import type { LoadedConfig } from '../config/load-config.js'
import type { ReloadResult, ReloadTrigger } from '../config/reload-result.js'
import { effectiveConfig } from '../config/restart-only-changes.js'
import type { Logger } from '../log/logger.js'
import type { AlertEvents } from '../observers/alerts/alert-events.js'
import type { GatewayMetrics } from '../observers/metrics/gateway-metrics.js'
import type { PrimaryMessage } from './cluster-messages.js'

export interface PrimaryReloadOptions {
  readonly logger: Logger
  /** Reads and validates the file the group started from. */
  readonly load: () => LoadedConfig
  /** The config the group serves now, and what the primary itself does with a new one (its prober, its board). */
  readonly running: () => GatewayConfig
  readonly apply: (config: GatewayConfig) => void
  readonly metrics: GatewayMetrics
  readonly alerts: AlertEvents
  /** The workers that can hear a message now. */
  readonly workers: () => readonly Worker[]
  readonly send: (worker: Worker, message: PrimaryMessage) => void
  /** How long a worker may take to answer before the reload is reported without it. */
  readonly timeoutMs?: number
}

interface Round {
  readonly waiting: Set<number>
  readonly results: ReloadResult[]
  readonly done: () => void
}

export class PrimaryReload {
  readonly #options: PrimaryReloadOptions
  readonly #rounds = new Map<number, Round>()
  #nextId = 1
  /** Reloads run one after another: two at once would race to set the workers' config. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: PrimaryReloadOptions) {
    this.#options = options
  }

  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    const next = this.#queue.then(() => this.#reload(trigger))
    this.#queue = next.catch(() => undefined)
    return next
  }

  /** A worker's answer to `oar:reload`. */
  workerDone(workerId: number, id: number, result: ReloadResult): void {
    const round = this.#rounds.get(id)
    if (round === undefined) return
    if (result.result === 'error')
      this.#options.logger.error('a worker could not reload the config', { worker: workerId, problems: result.problems.join('; ') })
    round.results.push(result)
    round.waiting.delete(workerId)
    if (round.waiting.size === 0) round.done()
  }

  /** A worker went: the reloads waiting for it wait no more. */
  workerGone(workerId: number): void {
    for (const round of this.#rounds.values()) {
      round.waiting.delete(workerId)
      if (round.waiting.size === 0) round.done()
    }
  }

  async #reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    const { logger, metrics, alerts } = this.#options
    const running = this.#options.running()
    let loaded: LoadedConfig
    try {
      loaded = this.#options.load()
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems.map(formatConfigProblem) : [`${running.source}: ${String(error)}`]
      metrics.configReloaded('error')
      for (const problem of problems) logger.error('config reload refused', { trigger, problem })
      const version = configVersion(running)
      logger.error('config reload refused: every worker goes on with the previous config', { trigger, version, problems: problems.length })
      const first = problems[0] ?? 'unknown problem'
      alerts.configReloaded(running.source, false, problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first)
      return { result: 'error', version, problems }
    }
    const { config, restartOnly } = effectiveConfig(running, loaded.config)
    for (const warning of loaded.warnings) logger.warn('config warning', { problem: warning })
    for (const key of restartOnly) logger.warn('config reload: this setting changes only at a restart; the running value is kept', { key })
    this.#options.apply(config)
    const version = configVersion(config)
    const previousVersion = configVersion(running)
    const results = await this.#askWorkers()
    const failed = results.filter((result) => result.result === 'error' || result.version !== version)
    metrics.configReloaded(failed.length === 0 ? 'ok' : 'error')
    alerts.configReloaded(running.source, failed.length === 0, failed.length === 0 ? '' : `${failed.length} workers could not reload it`)
    logger.info('config reloaded', { trigger, version, previousVersion, workers: results.length })
    return { result: 'ok', version, previousVersion, restartOnly, warnings: loaded.warnings }
  }

  #askWorkers(): Promise<ReloadResult[]> {
    const id = this.#nextId++
    const workers = this.#options.workers()
    return new Promise((resolve) => {
      const results: ReloadResult[] = []
      const timer = setTimeout(() => done(), this.#options.timeoutMs ?? 5_000)
      const done = (): void => {
        clearTimeout(timer)
        if (!this.#rounds.delete(id)) return
        resolve(results)
      }
      this.#rounds.set(id, { waiting: new Set(workers.map((worker) => worker.id)), results, done })
      for (const worker of workers) this.#options.send(worker, { type: 'oar:reload', id })
      if (workers.length === 0) done()
    })
  }
}
