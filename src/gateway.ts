// Assembles a running gateway from a config: the HTTP server, the relay's parts, observers, and shutdown. What is made
// from the config (keys, upstreams and their pools, limits, prices, the metrics key) is one immutable generation: a
// request takes the current one when it starts and keeps it to its end; a reload makes the next one whole and swaps
// one reference (docs/configuration.md, Reloading the configuration).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Authenticator } from './auth/authenticate.js'
import { LatencyTracker } from './routing/latency-tracker.js'
import type { GatewayConfig } from './config/gateway-config.js'
import { BodyBudget } from './http/body-budget.js'
import { formatListenAddress } from './config/listen-address.js'
import { listenError } from './errors/startup-error.js'
import { createRequestListener, type GatewayRequestListener } from './http/gateway-app.js'
import { closeSilentConnections } from './http/idle-connection-timer.js'
import { answerClientError, refuseConnect } from './http/socket-refusals.js'
import type { Logger } from './log/logger.js'
import type { WorkerLink } from './cluster/worker-link.js'
import type { RequestRelay } from './relay/relay-request.js'
import { alertFlushMs } from './observers/alerts/alert-center.js'
import { OutcomeDelivery } from './observers/outcome-delivery.js'
import { startObservability, type Observability } from './observers/observability.js'
import { AdapterRegistry } from './providers/adapter-registry.js'
import type { Recorder } from './outcome/recorder.js'
import { UpstreamClients } from './providers/upstream-clients.js'
import { noHealthSync, type HealthSync } from './state/health-sync.js'
import { startRedisHealthSync } from './state/redis-health-sync.js'
import { systemClock, type Clock } from './time/clock.js'
import { SettlingTokenEstimator } from './tokens/settling-estimator.js'
import { WorkerTokenEstimator, type TokenEstimator } from './tokens/token-estimator.js'
import { HealthBoard, type UpstreamStateChange } from './state/health-board.js'
import { HealthProber } from './state/health-prober.js'
import { probeThrough } from './providers/upstream-probe.js'
import type { AlertEvents } from './observers/alerts/alert-events.js'
import type { GatewayMetrics } from './observers/metrics/gateway-metrics.js'
import { randomBytes } from 'node:crypto'
import { hasLimits, type RouteLimits } from './http/limit-step.js'
import { createLimitStore } from './limits/create-limit-store.js'
import { seedBudgets, type SpendSince } from './limits/seed-budgets.js'
import { PriceTable } from './spend/price-table.js'
import type { LimitStore } from './limits/limit-store.js'
import { configVersion } from './config/config-version.js'
import { effectiveConfig } from './config/restart-only-changes.js'
import { splitEndpoint } from './providers/split-endpoint.js'
import { configReloader } from './config-reloader.js'
import { reloadConfig } from './cli/resolve-config.js'
import { resolveLogLevel } from './cli/resolve-log-level.js'
import type { LoadedConfig } from './config/load-config.js'
import type { ReloadResult, ReloadTrigger } from './config/reload-result.js'

/** A bound on the wait for the last outcomes' observers; estimates are settled at once, so it is never reached in practice. */
const outcomeDrainMs = 5_000

export interface GatewayOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /**
   * Keeps each finished request once its token figures are known (an estimate may come a moment after its end),
   * e.g. the records store; its stats feed the metrics, the store alert and /readyz; shutdown() closes it once no
   * request is in flight, so every outcome has reached it.
   */
  readonly recorder?: Recorder
  readonly clock?: Clock
  readonly random?: () => number
  /** Set in a worker of `--workers N`: alerts and scrapes go through the primary. */
  readonly link?: WorkerLink
  /** Counts tokens when an upstream reports none (default: the o200k_base counter on a worker thread). */
  readonly tokens?: TokenEstimator
  /**
   * Where upstream health is shared (default: through the primary in a worker, else through `redis` when configured,
   * else nowhere). One given here is the caller's to close.
   */
  readonly healthSync?: HealthSync
  /** `prices:` as a table, shared with the records (default: built from the config). */
  readonly prices?: PriceTable
  /** Each named key's spend since a time, from the records: budgets are rebuilt from it at start. */
  readonly spendSince?: SpendSince
  /** Reads the config again for a reload (default: from `config.source`, the file or the environment). */
  readonly loadConfig?: () => LoadedConfig
  /**
   * What `POST /admin/reload` does (default: this process reloads). In a worker of `--workers N` the primary
   * reloads every worker.
   */
  readonly reloadGroup?: (trigger: ReloadTrigger) => Promise<ReloadResult>
  /** Told each config a reload puts in place (`watch_config` follows it). */
  readonly onConfigApplied?: (config: GatewayConfig) => void
}

/** A reloaded config in place: its version, and the settings of the file that wait for a restart. */
export interface AppliedConfig {
  readonly version: string
  readonly previousVersion: string
  readonly restartOnly: readonly string[]
}

export interface RunningGateway {
  readonly server: Server
  /** `http://host:port` the gateway listens on. */
  readonly url: string
  readonly address: AddressInfo
  /** Metrics, alerts and the request log. */
  readonly observability: Observability
  /** Request bodies held in memory right now, against `max_inflight_body_bytes`. */
  readonly bodyBudget: BodyBudget
  /** Upstream health changes to and from the other workers and replicas. */
  readonly healthSync: HealthSync
  /** The upstreams' breakers. */
  readonly health: HealthBoard
  /** The config new requests get, and its short hash (`x-config-version`). */
  currentConfig(): GatewayConfig
  configVersion(): string
  /**
   * Puts a validated config in place for every request that starts from now on; requests under way finish on the one
   * they started with. Settings only a restart can change keep their running value and are named in the result.
   */
  applyConfig(config: GatewayConfig): AppliedConfig
  /** Reads the config again, validates it whole, and applies it or changes nothing (logged, counted, alerted). */
  reloadConfig(trigger: ReloadTrigger): ReloadResult
  /** Upstream connection pools open now, across the configs still serving requests. */
  openPools(): number
  /** Resolves once every finished request's outcome has reached every observer (records may wait for a token estimate). */
  outcomesSettled(): Promise<void>
  /** Stop accepting, let in-flight requests finish within the deadline, then close everything. */
  shutdown(deadlineMs?: number): Promise<void>
}

/** How long, past the deadline, relays ended with shutting_down have to send their last bytes. */
const shutdownCutGraceMs = 250

/** What one config makes: a request keeps the one it started with. */
interface Generation {
  readonly config: GatewayConfig
  readonly version: string
  readonly listener: GatewayRequestListener
  readonly clients: UpstreamClients
  readonly prober: HealthProber | undefined
  /** Requests that started on this generation and have not ended. */
  inFlight: number
  /** A newer generation serves new requests: this one closes once its last request ends. */
  retired: boolean
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options
  const clock = options.clock ?? systemClock
  const { recorder } = options
  const recorderStats = recorder?.stats
  const prices = options.prices ?? new PriceTable(config.prices)
  const observability = startObservability({
    config,
    logger,
    clock,
    prices,
    ...(options.link === undefined ? {} : { link: options.link }),
    ...(recorderStats === undefined ? {} : { records: { stats: recorderStats, store: config.dbType } }),
  })
  const bodyBudget = new BodyBudget(config.maxInflightBodyBytes)
  // A worker shares through its primary, which alone talks to Redis for the group.
  const ownHealthSync = options.healthSync === undefined && options.link === undefined && config.redis !== undefined
  const healthSync =
    options.healthSync ??
    options.link?.healthSync ??
    (config.redis === undefined
      ? noHealthSync
      : startRedisHealthSync({ ...config.redis, logger, onError: () => observability.metrics.redisErrors.inc() }))
  const health = new HealthBoard(config.upstreams, {
    clock,
    sync: healthSync,
    origin: `${process.pid}.${randomBytes(4).toString('hex')}`,
  })
  watchHealth(health, observability.metrics, observability.alertEvents, logger)
  void health
    .catchUp()
    .catch((error: unknown) => logger.warn('upstream health could not be read from the shared state', { error: String(error) }))
  const tokens = new SettlingTokenEstimator(
    // Every worker of `--workers N` would hit the same failure: the primary writes it once for all.
    options.tokens ??
      new WorkerTokenEstimator((error) =>
        (options.link?.warn ?? logger.warn)('token encoding could not be loaded; estimates use 4 characters per token', {
          error: String(error),
        }),
      ),
  )
  // Made when a config first gives a key limits, then kept: its counters are by key name and outlive reloads.
  let limitStore: LimitStore | undefined
  const routeLimits = (next: GatewayConfig): RouteLimits | undefined => {
    if (!next.keys.some((key) => hasLimits(key.limits))) return undefined
    limitStore ??= startLimitStore(options, next, clock, observability.metrics)
    return {
      store: limitStore,
      prices,
      defaultCompletionTokens: next.limits.defaultCompletionTokens,
      onRefusal: (key, reason) => observability.metrics.countLimitRefusal(key, reason),
    }
  }
  let draining = false
  let inFlight = 0
  let idle: (() => void) | undefined
  const relays = new Set<RequestRelay>()
  const latency = new LatencyTracker({ clock })
  const random = options.random ?? Math.random

  const outcomes = new OutcomeDelivery({
    atOnce: observability.observers,
    withUsage: recorder === undefined ? [] : [recorder.observe],
    lateUsage: observability.lateUsage,
    onError: (error, outcome) => logger.error('an observer failed', { requestId: outcome.requestId, error: String(error) }),
  })

  /** Everything one config makes; nothing here changes what the running generation serves. */
  const makeGeneration = (next: GatewayConfig, clients: UpstreamClients): Generation => {
    const adapters = new AdapterRegistry(clients, clock)
    // In a worker of `--workers N` the primary warns, once for all of them.
    for (const upstream of options.link === undefined ? next.upstreams : []) {
      if (!adapters.has(upstream))
        logger.warn(`upstream ${upstream.name} has type ${upstream.type}, which this version cannot reach yet: skipped`)
    }
    const limits = routeLimits(next)
    const version = configVersion(next)
    const listener = createRequestListener({
      config: next,
      authenticator: new Authenticator(next.upstreams, next.keys),
      adapters,
      clock,
      random,
      latency,
      observe: (outcome, usage) => outcomes.push(outcome, usage),
      draining: () => draining,
      tokens,
      logger,
      usableUpstreams: next.upstreams.filter((u) => adapters.has(u)).length,
      configVersion: version,
      adminDigests: next.admin === undefined ? undefined : new Set(next.admin.digests),
      reloadConfig: () => (options.reloadGroup === undefined ? Promise.resolve(reload('admin')) : options.reloadGroup('admin')),
      metrics: next.metrics.key === config.metrics.key ? observability.endpoint : observability.endpointWith(next.metrics.key),
      inFlight: observability.inFlight,
      bodyBudget,
      relays,
      health,
      ...(limits === undefined ? {} : { limits }),
      ...(recorderStats === undefined ? {} : { recordsReady: () => recorderStats().ready }),
    })
    // A worker's group is probed by its primary; a process on its own probes its upstreams itself.
    const prober =
      options.link === undefined
        ? new HealthProber({ board: health, upstreams: next.upstreams, clock, probeFor: probeThrough(clients) })
        : undefined
    return { config: next, version, listener, clients, prober, inFlight: 0, retired: false }
  }
  let current = makeGeneration(config, new UpstreamClients())
  /** Generations retired while requests still ran on them. */
  const retiring = new Set<Generation>()
  const closeGeneration = (generation: Generation): void => {
    retiring.delete(generation)
    generation.prober?.close()
    void generation.clients.close()
  }

  const applyConfig = (loaded: GatewayConfig): AppliedConfig => {
    const running = current
    const { config: next, restartOnly } = effectiveConfig(running.config, loaded)
    const origins = new Set(next.upstreams.map((upstream) => splitEndpoint(upstream.endpoint).origin))
    const clients = running.clients.handOver(origins)
    let generation: Generation
    try {
      generation = makeGeneration(next, clients)
    } catch (error) {
      void clients.close()
      throw error
    }
    // LOG_LEVEL, when set, still wins over the file's log_level, as at start.
    if (next.logLevel !== running.config.logLevel) logger.setLevel?.(resolveLogLevel(process.env, next.logLevel))
    // Breakers are kept by upstream name; prices are one shared table, read whole by each cost.
    health.retain(next.upstreams)
    prices.update(next.prices)
    current = generation
    server.requestTimeout = next.bodyTimeoutMs > 0 ? next.headerTimeoutMs + next.bodyTimeoutMs : 0
    running.prober?.close()
    running.retired = true
    if (running.inFlight === 0) closeGeneration(running)
    else retiring.add(running)
    options.onConfigApplied?.(next)
    return { version: generation.version, previousVersion: running.version, restartOnly }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    // The one read of the current config: this request keeps it to its end.
    const generation = current
    inFlight++
    generation.inFlight++
    res.once('close', () => {
      inFlight--
      if (--generation.inFlight === 0 && generation.retired) closeGeneration(generation)
      if (inFlight === 0) idle?.()
    })
    res.setHeader('x-config-version', generation.version)
    generation.listener(req, res, expectsContinue)
  }
  const headersTimeout = config.headerTimeoutMs
  // A backstop for bodies nothing reads to the end (a /healthz or 404 with a body still trickling in, a refused
  // upload draining): the relay's own body_timeout answers first for the bodies it reads.
  const requestTimeout = config.bodyTimeoutMs > 0 ? headersTimeout + config.bodyTimeoutMs : 0
  const server = createServer(
    // node checks both timeouts every connectionsCheckingInterval (30 s by default): often enough for the timeout set.
    {
      keepAliveTimeout: 65_000,
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeout / 4))),
    },
    (req: IncomingMessage, res: ServerResponse) => onRequest(req, res, false),
  )
  // Expect: 100-continue: the relay route invites the body only once the key and the declared size are accepted.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => onRequest(req, res, true))
  server.on('connect', refuseConnect)
  server.on('clientError', answerClientError)
  closeSilentConnections(server, config.headerTimeoutMs, clock)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.listen.port, config.listen.host === '' ? undefined : config.listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch(async (error: unknown) => {
    current.prober?.close()
    if (ownHealthSync) await healthSync.close()
    await observability.close(0)
    throw listenError(error, formatListenAddress(config.listen))
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  let shuttingDown: Promise<void> | undefined
  const shutdown = (deadlineMs = current.config.shutdownTimeoutMs): Promise<void> => {
    shuttingDown ??= (async () => {
      draining = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadlineMs)
          idle = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      // Relays still running end with a shutting_down error their clients can read, before connections are cut.
      if (relays.size > 0) {
        for (const relay of relays) relay.shutDown()
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, shutdownCutGraceMs)
          idle = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      server.closeAllConnections()
      await closed
      current.prober?.close()
      for (const generation of [...retiring]) closeGeneration(generation)
      await current.clients.close()
      // Estimates still being counted are answered roughly rather than awaited (loading the tokenizer can take
      // seconds), so outcomes are recorded and the process exits right after its last request.
      tokens.settle()
      await Promise.race([outcomes.drained(), new Promise<void>((resolve) => setTimeout(resolve, outcomeDrainMs).unref())])
      await tokens.close()
      if (ownHealthSync) await healthSync.close()
      try {
        await recorder?.close(config.shutdownTimeoutMs)
      } catch (error) {
        logger.error('a shutdown step failed', { error: String(error) })
      }
      await health.close()
      await limitStore?.close()
      // Alerts raised while draining (an upstream failing at the end) still get a moment to go out.
      await observability.close(Math.min(deadlineMs, alertFlushMs))
    })()
    return shuttingDown
  }

  const running: RunningGateway = {
    server,
    url: `http://${host}:${address.port}`,
    address,
    observability,
    bodyBudget,
    healthSync,
    health,
    currentConfig: () => current.config,
    configVersion: () => current.version,
    applyConfig,
    openPools: () => current.clients.openPools,
    reloadConfig: (trigger) => reload(trigger),
    outcomesSettled: () => outcomes.drained(),
    shutdown,
  }
  const reload = configReloader({
    gateway: running,
    logger,
    load: options.loadConfig ?? (() => reloadConfig(config.source, process.env)),
    ...(options.link === undefined ? {} : { speaksForGroup: false }),
  })
  return running
}

/**
 * The limit store of named keys' limits: Redis, else the primary of `--workers N`, else this process; each budget's
 * current period seeded from the records, so a restart does not reset it.
 */
function startLimitStore(options: GatewayOptions, config: GatewayConfig, clock: Clock, metrics: GatewayMetrics): LimitStore {
  const { logger } = options
  const store = createLimitStore({
    redis: config.redis,
    limits: config.limits,
    clock,
    primary: options.link?.limitStore,
    onError: () => metrics.countLimitStoreError(),
  })
  if (options.spendSince !== undefined)
    seedBudgets({ keys: config.keys, store, spendSince: options.spendSince, wallNow: clock.wallNow() }).catch((error: unknown) =>
      logger.warn('budgets could not be rebuilt from the records; their spend starts from what the limit store holds', {
        error: String(error),
      }),
    )
  return store
}

/** Breaker changes become metrics, a log line, and the upstream's alert incident (opened when it opens, recovered when it closes). */
function watchHealth(health: HealthBoard, metrics: GatewayMetrics, alerts: AlertEvents, logger: Logger): void {
  metrics.attachUpstreamStates(() => health.states())
  health.onChange((change: UpstreamStateChange) => {
    // Changes applied from another process were counted, logged and alerted on where they were made.
    if (!change.local) return
    metrics.upstreamStateChanged(change.upstream, change.to)
    logger.info('upstream state', { upstream: change.upstream, from: change.from, to: change.to, last: change.detail })
    if (change.to === 'open') alerts.upstreamBreaker(change.upstream, true, change.failures, change.detail)
    else if (change.to === 'closed') alerts.upstreamBreaker(change.upstream, false, 0, change.detail)
  })
}
