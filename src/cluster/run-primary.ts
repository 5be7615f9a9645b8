// The primary of `--workers N`: forks the workers that share the listening port, answers scrapes for all
// of them, runs the one AlertCenter, restarts a worker that dies after it was ready, and on SIGTERM drains
// them all. A worker that cannot start stops everything: the process ends with status 1 and one line.
// Upstream health passes through it: between its workers, and between them and Redis (one connection for all).
// Without Redis it counts named keys' limits for all the workers (primary-limit-server.ts). SIGHUP (or an admin
// reload in any worker) reloads the config in every worker (primary-reload.ts).
import cluster, { type Worker } from 'node:cluster'
import type { GatewayConfig } from '../config/gateway-config.js'
import type { Logger } from '../log/logger.js'
import { applyAlertEvent } from '../observers/alerts/alert-events.js'
import type { FamilySnapshot } from '../observers/metrics/metrics-snapshot.js'
import { finalSnapshot, WorkerSnapshots } from '../observers/metrics/worker-snapshots.js'
import { startObservability } from '../observers/observability.js'
import { systemClock } from '../time/clock.js'
import { AdapterRegistry } from '../providers/adapter-registry.js'
import { UpstreamClients } from '../providers/upstream-clients.js'
import { forcedExitCode, onStopSignals } from '../cli/stop-signals.js'
import { alertFlushMs } from '../observers/alerts/alert-center.js'
import { noHealthSync } from '../state/health-sync.js'
import { startRedisHealthSync } from '../state/redis-health-sync.js'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'
import { warnOnce } from './warn-once.js'
import { PrimaryHealthRelay } from './primary-health-relay.js'
import { HealthBoard } from '../state/health-board.js'
import { HealthProber } from '../state/health-prober.js'
import { probeThrough } from '../providers/upstream-probe.js'
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js'
import { LocalLimitStore } from '../limits/local-limit-store.js'
import { servePrimaryLimits } from './primary-limit-server.js'
import { PrimaryReload } from './primary-reload.js'
import { watchSetting } from '../config/config-file-watch.js'
import { reloadConfig } from '../cli/resolve-config.js'
import { resolveLogLevel } from '../cli/resolve-log-level.js'
import type { LoadedConfig } from '../config/load-config.js'

export interface PrimaryOptions {
  readonly workers: number
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Called once, when every worker listens. */
  readonly onListening: (url: string) => void
  /** Reads the config again for a reload (default: from `config.source`). */
  readonly loadConfig?: () => LoadedConfig
}

/** How long the primary waits for a worker's metrics before scraping with its previous snapshot. */
const snapshotTimeoutMs = 2_000
/** A worker that dies is replaced after this pause, so a crash loop cannot spin. */
const restartDelayMs = 1_000
/** Extra time, past the drain deadline, before a worker that has not exited is killed. */
const exitGraceMs = 5_000

export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { config, logger } = options
  // The primary's own registry holds what only it knows (alerts sent, incidents open, its process).
  const observability = startObservability({ config, logger, clock: systemClock })
  const snapshots = new WorkerSnapshots()
  /** Workers that have listened at least once: only those are replaced when they die. */
  const ready = new Set<number>()
  // Warnings are the primary's to log, once for the group: the workers do not repeat them.
  const warn = warnOnce(logger)
  const clients = new UpstreamClients()
  const adapters = new AdapterRegistry(clients, systemClock)
  for (const upstream of config.upstreams) {
    if (!adapters.has(upstream))
      logger.warn(`upstream ${upstream.name} has type ${upstream.type}, which this version cannot reach yet: skipped`)
  }
  let announced = false
  let stopping = false
  let nextGather = 1
  const gathers = new Map<number, { replied: Set<number>; check: () => void }>()
  let stopAll: (exitCode: number) => void = () => undefined
  const restarts = new Set<NodeJS.Timeout>()

  const sendTo = (worker: Worker, message: PrimaryMessage): void => {
    if (worker.isConnected()) worker.send(message)
  }
  // Without Redis the primary counts named keys' limits for every worker (with it, each worker checks in Redis).
  const limits = servePrimaryLimits({
    store: new LocalLimitStore(systemClock),
    send: (workerId, message) => {
      const worker = cluster.workers?.[workerId]
      if (worker !== undefined) sendTo(worker, message)
    },
  })
  const connectedWorkers = (): Worker[] =>
    Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected())

  const health = new PrimaryHealthRelay({
    broadcast: (records: readonly UpstreamHealthRecord[], except: number | undefined) => {
      for (const worker of connectedWorkers()) if (worker.id !== except) sendTo(worker, { type: 'oar:health', records })
    },
    replicas:
      config.redis === undefined
        ? noHealthSync
        : startRedisHealthSync({ ...config.redis, logger, onError: () => observability.metrics.redisErrors.inc() }),
  })
  // The group's one prober: the primary keeps a board of the state its workers share, and its probes' changes reach them all.
  const board = new HealthBoard(config.upstreams, { clock: systemClock, sync: health.own, origin: `${process.pid}.primary` })
  const startProber = (upstreams: GatewayConfig['upstreams']): HealthProber =>
    new HealthProber({
      board,
      upstreams,
      clock: systemClock,
      probeFor: probeThrough(clients),
      // The workers apply this change as one from elsewhere: the primary, which made it, counts and logs it.
      onRecovered: (upstream) => {
        observability.metrics.upstreamStateChanged(upstream.name, 'half_open')
        logger.info('upstream state', { upstream: upstream.name, from: 'open', to: 'half_open', last: 'an active probe answered 2xx' })
      },
    })
  let prober = startProber(config.upstreams)
  /** The config the group serves: the one it started with, then each reloaded one. */
  let running = config
  const watch = watchSetting({
    clock: systemClock,
    logger,
    reload: () => void reloads.reload('watch_config'),
  })
  const reloads = new PrimaryReload({
    logger,
    load: options.loadConfig ?? (() => reloadConfig(config.source, process.env)),
    running: () => running,
    apply: (next) => {
      if (next.logLevel !== running.logLevel) logger.setLevel?.(resolveLogLevel(process.env, next.logLevel))
      running = next
      watch.follow(next)
      board.retain(next.upstreams)
      prober.close()
      prober = startProber(next.upstreams)
    },
    metrics: observability.metrics,
    alerts: observability.alerts,
    workers: () => connectedWorkers().filter((worker) => ready.has(worker.id)),
    send: sendTo,
  })

  const gatherSnapshots = async (): Promise<FamilySnapshot[]> => {
    const id = nextGather++
    const asked = connectedWorkers()
    const replied = new Set<number>()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, snapshotTimeoutMs)
      function finish(): void {
        clearTimeout(timer)
        gathers.delete(id)
        resolve()
      }
      // Done once every asked worker has replied or gone (a gone worker's last snapshot is already held).
      const check = (): void => (asked.every((w) => replied.has(w.id) || !w.isConnected()) ? finish() : undefined)
      gathers.set(id, { replied, check })
      for (const worker of asked) sendTo(worker, { type: 'oar:snapshot', id })
      check()
    })
    // A worker that did not reply in time counts with its previous snapshot, so no counter dips.
    return snapshots.merged(observability.metrics.registry.snapshot())
  }

  const onMessage = (worker: Worker, message: unknown): void => {
    if (!isWorkerMessage(message)) return
    const m: WorkerMessage = message
    switch (m.type) {
      case 'oar:listening':
        ready.add(worker.id)
        // A worker that starts (or replaces one) begins with what the others learned.
        if (health.snapshot().length > 0) sendTo(worker, { type: 'oar:health', records: health.snapshot() })
        if (announced) logger.info('a new worker is listening', { worker: worker.id })
        if (!announced && !stopping && ready.size >= options.workers) {
          announced = true
          options.onListening(m.url)
        }
        break
      case 'oar:warning':
        warn(m.msg, m.fields)
        break
      case 'oar:alert':
        applyAlertEvent(observability.alerts, m.event)
        break
      case 'oar:scrape':
        gatherSnapshots().then(
          (families) => sendTo(worker, { type: 'oar:scrape-reply', id: m.id, families }),
          (error: unknown) => logger.error('metrics could not be gathered from the workers', { error: String(error) }),
        )
        break
      case 'oar:snapshot-reply':
        snapshots.update(String(worker.id), m.id, m.families)
        gathers.get(m.id)?.replied.add(worker.id)
        gathers.get(m.id)?.check()
        break
      case 'oar:final-snapshot':
        snapshots.update(String(worker.id), finalSnapshot, m.families)
        break
      case 'oar:start-failed':
        failStart(m.message)
        break
      case 'oar:health':
        health.fromWorker(worker.id, m.record)
        break
      case 'oar:health-snapshot':
        sendTo(worker, { type: 'oar:health-snapshot-reply', id: m.id, records: health.snapshot() })
        break
      case 'oar:reload-request':
        reloads.reload('admin').then(
          (result) => sendTo(worker, { type: 'oar:reload-reply', id: m.id, result }),
          (error: unknown) => logger.error('the config could not be reloaded', { error: String(error) }),
        )
        break
      case 'oar:reload-done':
        reloads.workerDone(worker.id, m.id, m.result)
        break
      case 'oar:limit-check':
      case 'oar:limit-release':
      case 'oar:limit-settle':
      case 'oar:limit-usage':
      case 'oar:limit-seed':
        limits.receive(worker.id, m)
        break
    }
  }

  /** One line, then every worker stops and the process ends with status 1; nothing is restarted. */
  const failStart = (line: string): void => {
    if (stopping) return
    logger.error(line)
    stopAll(1)
  }

  const fork = (): void => {
    if (stopping) return
    const worker = cluster.fork({ OPENAI_API_ROUTE_WORKER: '1' })
    // A message to a worker that has just exited fails (EPIPE); node's own cluster code sends such messages too (a
    // listen error relayed to a worker stopped a moment earlier). Unheard, that error would end the primary.
    worker.on('error', (error: Error) => {
      if (!stopping) logger.warn('a worker could not be reached', { worker: worker.id, error: error.message })
    })
  }

  cluster.on('message', onMessage)
  // The channel closes after the worker's last message has arrived: only then are its metrics final.
  cluster.on('disconnect', (worker) => {
    snapshots.depart(String(worker.id))
    reloads.workerGone(worker.id)
    for (const gather of gathers.values()) gather.check()
    if (!ready.has(worker.id)) failStart(`cannot start: worker ${worker.id} stopped before it was ready`)
  })
  cluster.on('exit', (worker, code, signal) => {
    limits.workerGone(worker.id)
    // A worker that never became ready is handled on disconnect: it stops everything instead of looping.
    if (stopping || !ready.has(worker.id)) return
    logger.error('a worker exited; starting another', { worker: worker.id, code, signal })
    // Not unref'd: when every worker died at once, this timer is what keeps the primary alive to replace them.
    const timer = setTimeout(() => {
      restarts.delete(timer)
      fork()
    }, restartDelayMs)
    restarts.add(timer)
  })
  for (let i = 0; i < options.workers; i++) fork()
  watch.follow(config)

  return new Promise((resolve) => {
    stopAll = (exitCode: number): void => {
      if (stopping) return
      stopping = true
      watch.close()
      for (const timer of restarts) clearTimeout(timer)
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
      const exited = workers.map(
        (worker) =>
          new Promise<void>((done) => {
            if (worker.isDead()) return done()
            worker.once('exit', () => done())
            worker.process.kill('SIGTERM')
          }),
      )
      const killer = setTimeout(() => {
        for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL')
      }, config.shutdownTimeoutMs + exitGraceMs)
      Promise.all(exited)
        .then(async () => {
          clearTimeout(killer)
          prober.close()
          await clients.close()
          await health.close()
          await observability.close(alertFlushMs)
          const failed = workers.some((w) => w.process.exitCode !== 0 && w.process.exitCode !== null)
          resolve(failed ? 1 : exitCode)
        })
        .catch(() => resolve(1))
    }
    onStopSignals({
      logger,
      stop: (signal) => {
        if (stopping) return
        logger.info(`${signal}: draining ${options.workers} workers`, { deadlineMs: config.shutdownTimeoutMs })
        stopAll(0)
      },
      reload: () => {
        if (!stopping) void reloads.reload('SIGHUP')
      },
      forceExit: () => {
        // Ctrl-C reaches the workers too (one process group); one sent the primary alone must not leave them behind.
        for (const worker of Object.values(cluster.workers ?? {}))
          if (worker !== undefined && !worker.isDead()) worker.process.kill('SIGKILL')
        process.exit(forcedExitCode)
      },
    })
  })
}
