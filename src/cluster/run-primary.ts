// The primary of `--workers N`: forks the workers that share the listening port, answers scrapes for all
// of them, runs the one AlertCenter, restarts a worker that dies, and on SIGTERM drains them all.
import cluster, { type Worker } from 'node:cluster'
import type { GatewayConfig } from '../config/gateway-config.js'
import type { Logger } from '../log/logger.js'
import { applyAlertEvent } from '../observers/alerts/alert-events.js'
import { mergeSnapshots } from '../observers/metrics/merge-snapshots.js'
import type { FamilySnapshot } from '../observers/metrics/metrics-snapshot.js'
import { startObservability } from '../observers/observability.js'
import { AdapterRegistry } from '../providers/adapter-registry.js'
import { UpstreamClients } from '../relay/upstream-clients.js'
import { systemClock } from '../time/clock.js'
import { forcedExitCode, onStopSignals } from '../cli/stop-signals.js'
import { warnOnce } from './warn-once.js'
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js'

export interface PrimaryOptions {
  readonly workers: number
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Called once, when every worker listens. */
  readonly onListening: (url: string) => void
}

/** How long the primary waits for a worker's metrics before scraping without them. */
const snapshotTimeoutMs = 2_000
/** A worker that dies is replaced after this pause, so a crash loop cannot spin. */
const restartDelayMs = 1_000
/** Extra time, past the drain deadline, before a worker that has not exited is killed. */
const exitGraceMs = 5_000

export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { config, logger } = options
  // The primary's own registry holds what only it knows (alerts sent, incidents open, its process).
  const observability = startObservability({ config, logger, clock: systemClock })
  const listening = new Set<number>()
  // Warnings are the primary's to log, once for the group: the workers do not repeat them.
  const warn = warnOnce(logger)
  const adapters = new AdapterRegistry(new UpstreamClients(), systemClock)
  for (const upstream of config.upstreams) {
    if (!adapters.has(upstream)) logger.warn(`upstream ${upstream.name} has type ${upstream.type}, which this version cannot reach yet: skipped`)
  }
  let announced = false
  let stopping = false
  let nextGather = 1
  const gathers = new Map<number, { replies: Map<number, readonly FamilySnapshot[]>; done: () => void }>()

  const sendTo = (worker: Worker, message: PrimaryMessage): void => {
    if (worker.isConnected()) worker.send(message)
  }

  const gatherSnapshots = async (): Promise<FamilySnapshot[]> => {
    const id = nextGather++
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected())
    const replies = new Map<number, readonly FamilySnapshot[]>()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, snapshotTimeoutMs)
      function finish(): void {
        clearTimeout(timer)
        gathers.delete(id)
        resolve()
      }
      gathers.set(id, { replies, done: () => (replies.size >= workers.length ? finish() : undefined) })
      if (workers.length === 0) finish()
      for (const worker of workers) sendTo(worker, { type: 'oar:snapshot', id })
    })
    const ids = [...replies.keys()].sort((a, b) => a - b)
    return mergeSnapshots([observability.metrics.registry.snapshot(), ...ids.map((wid) => replies.get(wid) as readonly FamilySnapshot[])], ['primary', ...ids.map(String)])
  }

  const onMessage = (worker: Worker, message: unknown): void => {
    if (!isWorkerMessage(message)) return
    const m = message as WorkerMessage
    switch (m.type) {
      case 'oar:listening':
        listening.add(worker.id)
        if (!announced && listening.size >= options.workers) {
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
      case 'oar:snapshot-reply': {
        const gather = gathers.get(m.id)
        if (gather === undefined) break
        gather.replies.set(worker.id, m.families)
        gather.done()
        break
      }
    }
  }

  const fork = (): void => {
    cluster.fork({ OPENAI_API_ROUTE_WORKER: '1' })
  }

  cluster.on('message', onMessage)
  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id)
    if (stopping) return
    logger.error('a worker exited; starting another', { worker: worker.id, code, signal })
    setTimeout(fork, restartDelayMs).unref()
  })
  for (let i = 0; i < options.workers; i++) fork()

  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      stopping = true
      logger.info(`${signal}: draining ${options.workers} workers`, { deadlineMs: config.shutdownTimeoutMs })
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
      const exited = workers.map((worker) => new Promise<void>((done) => {
        if (worker.isDead()) return done()
        worker.once('exit', () => done())
        worker.process.kill('SIGTERM')
      }))
      const killer = setTimeout(() => {
        for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL')
      }, config.shutdownTimeoutMs + exitGraceMs)
      Promise.all(exited)
        .then(async () => {
          clearTimeout(killer)
          await observability.close(5_000)
          const failed = workers.some((w) => w.process.exitCode !== 0 && w.process.exitCode !== null)
          resolve(failed ? 1 : 0)
        })
        .catch(() => resolve(1))
    }
    onStopSignals({
      logger,
      stop,
      forceExit: () => {
        // Ctrl-C reaches the workers too (one process group); one sent the primary alone must not leave them behind.
        for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined && !worker.isDead()) worker.process.kill('SIGKILL')
        process.exit(forcedExitCode)
      },
    })
  })
}
