// Metrics, alerts and the request log, assembled from the config: the gateway's built-in outcome observers.
import type { GatewayConfig } from '../config/gateway-config.js'
import type { Logger } from '../log/logger.js'
import type { RecorderStats } from '../outcome/recorder.js'
import type { OutcomeObserver } from '../outcome/request-outcome.js'
import type { PriceTable } from '../spend/price-table.js'
import type { Clock } from '../time/clock.js'
import { AlertCenter } from './alerts/alert-center.js'
import { AlertHttp } from './alerts/alert-http.js'
import { alertObserver } from './alerts/alert-observer.js'
import { createAlertSinks } from './alerts/alert-sinks.js'
import { watchRecordQueue } from './alerts/record-queue-watch.js'
import { lateUsageLogObserver, requestLogObserver } from './logging/request-log.js'
import { buildVersion } from './metrics/build-version.js'
import { GatewayMetrics } from './metrics/gateway-metrics.js'
import type { InFlight } from './metrics/in-flight.js'
import { configuredModels } from './metrics/metric-labels.js'
import { metricsEndpoint, type MetricsEndpoint } from './metrics/metrics-endpoint.js'
import { registerProcessMetrics } from './metrics/process-metrics.js'
import type { RecordQueueStats } from './metrics/record-queue-stats.js'
import type { AlertEvents } from './alerts/alert-events.js'
import type { FamilySnapshot } from './metrics/metrics-snapshot.js'

/** What observability needs of a worker's link to the primary (cluster/worker-link.ts gives it). */
export interface PrimaryLink {
  readonly alertEvents: AlertEvents
  /** Every process's metrics, merged by the primary. */
  scrapeAll(): Promise<readonly FamilySnapshot[]>
  /** Answers the primary's snapshot requests from this worker's registry. */
  serveSnapshots(local: () => readonly FamilySnapshot[]): void
}

export interface ObservabilityOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  readonly clock: Clock
  /** In a worker of `--workers N`: alert events and scrapes go to the primary, which answers for all. */
  readonly link?: PrimaryLink
  /** The records store's queue: its counters become metrics, and it is watched for the store alert. */
  readonly records?: RecordsWatched
  /** `prices:`, for `cost_usd_total`; none by default. */
  readonly prices?: PriceTable
}

export interface RecordsWatched {
  readonly stats: () => RecorderStats
  /** The store's name in alert messages (its dbtype). */
  readonly store: string
}

export interface Observability {
  /** Metrics, alerts, then the request log: each sees every finished request. */
  readonly observers: readonly OutcomeObserver[]
  /** Token figures estimated after `observers` saw the outcome without them: metrics, and a log line. */
  readonly lateUsage: readonly OutcomeObserver[]
  readonly inFlight: InFlight
  readonly endpoint: MetricsEndpoint
  /** The same scrape behind another `metrics.key` (a reloaded config's). */
  endpointWith(key: string | undefined): MetricsEndpoint
  readonly metrics: GatewayMetrics
  readonly alerts: AlertCenter
  /** Where alert events go: this process's AlertCenter, or the primary's through the link. */
  readonly alertEvents: AlertEvents
  /** Sends what is on its way (within the deadline), then stops timers and connections. */
  close(deadlineMs: number): Promise<void>
}

export function startObservability(options: ObservabilityOptions): Observability {
  const { config, logger, clock, link } = options
  const metrics = new GatewayMetrics({
    models: configuredModels(config),
    maxSeenModels: config.metrics.maxModels,
    version: buildVersion(),
    ...(options.prices === undefined ? {} : { prices: options.prices }),
  })
  const processMetrics = registerProcessMetrics(metrics.registry)
  const http = new AlertHttp(10_000)
  const alerts = new AlertCenter({
    config: config.alerts,
    gatewayName: config.hostname,
    // A worker sends nothing itself: its events go to the primary's AlertCenter.
    sinks: link === undefined ? createAlertSinks(config.alerts.sinks, http.send, () => clock.wallNow()) : [],
    clock,
    counters: metrics.alertCounters,
    logger,
  })
  metrics.attachIncidents(() => alerts.openByKind())
  // The metrics observer runs first and may give the model its label; the alert names it the same way.
  const modelLabel = (model: string): string => metrics.modelLabels.labelOf(model)
  const requestLog = requestLogObserver(logger)
  const alertTarget = link?.alertEvents ?? alerts
  link?.serveSnapshots(() => metrics.registry.snapshot())
  const followsBreaker = new Set(config.upstreams.filter((upstream) => upstream.health.enabled).map((upstream) => upstream.name))
  const observers: OutcomeObserver[] = [metrics.observe, alertObserver(alertTarget, modelLabel, followsBreaker)]
  if (requestLog !== undefined) observers.push(requestLog)
  const lateUsage: OutcomeObserver[] = [metrics.observeUsage]
  const lateUsageLog = lateUsageLogObserver(logger)
  if (lateUsageLog !== undefined) lateUsage.push(lateUsageLog)
  const recordsWatch =
    options.records === undefined ? undefined : watchRecords(options.records, metrics, { config, clock, events: alertTarget })

  const scrape = link === undefined ? async () => metrics.registry.snapshot() : () => link.scrapeAll()
  return {
    observers,
    lateUsage,
    inFlight: metrics.inFlight,
    endpoint: metricsEndpoint(config.metrics.key, scrape),
    endpointWith: (key) => metricsEndpoint(key, scrape),
    metrics,
    alerts,
    alertEvents: alertTarget,
    async close(deadlineMs) {
      recordsWatch?.stop()
      processMetrics.stop()
      await alerts.close(deadlineMs)
      await http.close()
    },
  }
}

/** The store's counters become metrics, and its queue is checked on an interval for the store alert. */
function watchRecords(
  records: RecordsWatched,
  metrics: GatewayMetrics,
  on: { config: GatewayConfig; clock: Clock; events: AlertEvents },
): { stop(): void } {
  const read = records.stats
  const stats: RecordQueueStats = { depth: () => read().queued, written: () => read().written, dropped: () => read().dropped }
  metrics.attachRecordQueue(stats)
  const { alerts } = on.config
  return watchRecordQueue({
    stats,
    store: records.store,
    backlog: alerts.storeBacklog,
    intervalMs: alerts.storeCheckIntervalMs,
    clock: on.clock,
    events: on.events,
  })
}
