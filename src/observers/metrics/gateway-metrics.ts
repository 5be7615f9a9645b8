// Every metric the gateway exports, by name, and the per-request observer that feeds them.
// Per request the work is a few array and Map lookups on pre-resolved series: no label strings are built.
import { errorCodes, type ErrorCode } from '../../errors/error-codes.js'
import type { AttemptRecord, RequestOutcome } from '../../outcome/request-outcome.js'
import { PriceTable } from '../../spend/price-table.js'
import { requestCost } from '../../spend/request-cost.js'
import { sinkKinds, suppressReasons, type AlertCounters, type SinkKind, type SuppressReason } from '../alerts/alert-counters.js'
import { createInFlight, type InFlight } from './in-flight.js'
import { routeIndex, routeLabels, statusClassIndex, statusClassLabels } from './metric-labels.js'
import { MetricRegistry, type CounterFamily, type HistogramFamily } from './metric-registry.js'
import { ModelLabels } from './model-labels.js'
import type { CounterSeries, HistogramSeries } from './metric-series.js'
import type { ValueSample } from './metrics-snapshot.js'
import type { RecordQueueStats } from './record-queue-stats.js'

export const metricPrefix = 'openai_api_route_'

/** Seconds. LLM answers range from milliseconds (errors, embeddings) to minutes (long streams). */
export const durationBuckets: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300,
])
export const firstByteBuckets: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60])

/** The values of the `state` label of `upstream_state`. */
const upstreamStates = ['closed', 'open', 'half_open'] as const

/** The `upstream` label of a request no upstream answered (refused by the gateway, or every attempt failed unanswered). */
export const noUpstreamLabel = 'none'

/** The `key` label of a predecessor key (`authorization`) or no key: only named keys' names become labels. */
export const unnamedKeyLabel = 'unnamed'

/** Which limit refused a named key's request (the `reason` label of `limit_refusals_total`). */
export const limitRefusalReasons = ['requests', 'tokens', 'concurrency', 'budget_usd', 'budget_tokens'] as const
export type LimitRefusalReason = (typeof limitRefusalReasons)[number]

export interface GatewayMetricsOptions {
  /** Models always labelled as themselves (see `configuredModels`). */
  readonly models: ReadonlySet<string>
  /** How many other models get their own label as requests bring them (`metrics.max_models`); then `other`. */
  readonly maxSeenModels: number
  readonly version: string
  /** `prices:`, for `cost_usd_total`; none by default (no cost is counted). */
  readonly prices?: PriceTable
}

const errorCodeList = Object.keys(errorCodes) as ErrorCode[]
const errorCodeIndex = new Map<string, number>(errorCodeList.map((code, i) => [code, i + 1]))
const routeCount = routeLabels.length
const statusClassCount = statusClassLabels.length

/** Series of one model label, created on first use. */
interface ModelSeries {
  readonly label: string
  /** Index: (route × status class × failover). */
  readonly requests: Array<CounterSeries | undefined>
  /** Per upstream label, then key label: [prompt reported, prompt estimated, completion reported, completion estimated]. */
  readonly tokens: Map<string, Map<string, Array<CounterSeries | undefined>>>
  /** Per upstream label, then key label. */
  readonly cost: Map<string, Map<string, CounterSeries>>
}

/** Series of one upstream label, created on first use. */
interface UpstreamSeries {
  readonly label: string
  /** Index: stream ? 1 : 0. */
  readonly duration: Array<HistogramSeries | undefined>
  readonly firstByte: Array<HistogramSeries | undefined>
  attemptDuration: HistogramSeries | undefined
  failovers: CounterSeries | undefined
  /** Index: error code index (0 = none) × status class. */
  readonly attempts: Array<CounterSeries | undefined>
}

export class GatewayMetrics {
  readonly registry = new MetricRegistry()
  readonly inFlight: InFlight = createInFlight()
  /** The alerting's own counts, for `AlertCenter`. */
  readonly alertCounters: AlertCounters
  /** The `model` label of each model; alerts name models by the same labels. */
  readonly modelLabels: ModelLabels
  /** Failed Redis connection attempts, lost connections and failed commands of the shared upstream health. */
  readonly redisErrors: CounterSeries
  readonly #limitStoreErrors: CounterSeries
  readonly #limitRefusals: CounterFamily
  /** By key name, then reason's index in `limitRefusalReasons`: names from the config. */
  readonly #refusalSeries = new Map<string, Array<CounterSeries | undefined>>()
  readonly #prices: PriceTable
  readonly #requests: CounterFamily
  readonly #attempts: CounterFamily
  readonly #failovers: CounterFamily
  readonly #tokens: CounterFamily
  readonly #cost: CounterFamily
  readonly #mapped: CounterFamily
  /** By model label, upstream label and upstream model, NUL-separated: names from the config (`models`). */
  readonly #mappedSeries = new Map<string, CounterSeries>()
  readonly #duration: HistogramFamily
  readonly #firstByte: HistogramFamily
  readonly #attemptDuration: HistogramFamily
  readonly #configReloads: CounterFamily
  readonly #stateChanges: CounterFamily
  #upstreamStates: (() => ReadonlyArray<{ readonly upstream: string; readonly state: string }>) | undefined
  /** By label: one entry per model label, bounded by `modelLabels`. */
  readonly #models = new Map<string, ModelSeries>()
  readonly #upstreams = new Map<string, UpstreamSeries>()
  #recordQueue: RecordQueueStats | undefined
  #openIncidents: (() => ReadonlyMap<string, number>) | undefined

  constructor(options: GatewayMetricsOptions) {
    const r = this.registry
    const name = (suffix: string): string => metricPrefix + suffix
    this.#requests = r.counter({
      name: name('requests_total'),
      help: 'Client requests by route, model (configured models, then models as seen up to metrics.max_models, else "other"), response status class, and whether they failed over.',
      labelNames: ['route', 'model', 'status_class', 'failover'],
    })
    this.#attempts = r.counter({
      name: name('upstream_attempts_total'),
      help: 'Attempts against upstreams by outcome (ok, failed, client_closed, internal_error when the gateway itself failed), error code (none when ok) and upstream status class (none when it did not answer).',
      labelNames: ['upstream', 'outcome', 'error_code', 'status_class'],
    })
    this.#failovers = r.counter({
      name: name('failovers_total'),
      help: 'Times a request moved on to its next upstream, by the upstream it left.',
      labelNames: ['upstream'],
    })
    this.#duration = r.histogram({
      name: name('request_duration_seconds'),
      help: 'Client request duration, from the request to the end of the response body, by the upstream that answered (none if none did).',
      labelNames: ['upstream', 'stream'],
      buckets: durationBuckets,
    })
    this.#firstByte = r.histogram({
      name: name('time_to_first_byte_seconds'),
      help: 'Time from the request until the first response body byte reached the client, by the upstream that answered.',
      labelNames: ['upstream', 'stream'],
      buckets: firstByteBuckets,
    })
    this.#attemptDuration = r.histogram({
      name: name('upstream_attempt_duration_seconds'),
      help: 'Duration of each upstream attempt, from sending it until it ended or failed.',
      labelNames: ['upstream'],
      buckets: durationBuckets,
    })
    this.#tokens = r.counter({
      name: name('tokens_total'),
      help: "Tokens by model, upstream, kind (prompt, completion) and key (a named key's name, else unnamed); source says whether the upstream reported them or the gateway estimated them.",
      labelNames: ['model', 'upstream', 'kind', 'source', 'key'],
    })
    this.#cost = r.counter({
      name: name('cost_usd_total'),
      help: "Cost in USD at `prices`, by key (a named key's name, else unnamed), model and upstream; requests whose model has no price add nothing.",
      labelNames: ['key', 'model', 'upstream'],
    })
    this.#limitRefusals = r.counter({
      name: name('limit_refusals_total'),
      help: "Named keys' requests refused by their limits, by key and reason (requests, tokens, concurrency, budget_usd, budget_tokens).",
      labelNames: ['key', 'reason'],
    })
    this.#limitStoreErrors = r
      .counter({
        name: name('limit_store_errors_total'),
        help: 'Limit checks the limit store (Redis, or the primary) could not answer: enforced by this process alone (on_store_error: allow) or answered 503 (deny).',
      })
      .labels()
    this.#mapped = r.counter({
      name: name('model_mapped_requests_total'),
      help: "Requests answered by an upstream that was sent its own name for the client's model (its `models`), by the client's model, the upstream and the name it was sent.",
      labelNames: ['model', 'upstream', 'upstream_model'],
    })
    r.collected({
      name: name('in_flight_requests'),
      help: 'Client requests being served now.',
      type: 'gauge',
      collect: () => [{ labels: [], value: this.inFlight.requests }],
    })
    r.collected({
      name: name('in_flight_streams'),
      help: 'Streaming (stream: true) client requests being served now.',
      type: 'gauge',
      collect: () => [{ labels: [], value: this.inFlight.streams }],
    })
    const fromQueue = (read: (stats: RecordQueueStats) => number) => (): readonly ValueSample[] =>
      this.#recordQueue === undefined ? [] : [{ labels: [], value: read(this.#recordQueue) }]
    r.collected({
      name: name('record_queue_depth'),
      help: 'Request records waiting to be written.',
      type: 'gauge',
      collect: fromQueue((q) => q.depth()),
    })
    r.collected({
      name: name('records_written_total'),
      help: 'Request records written to the store.',
      type: 'counter',
      collect: fromQueue((q) => q.written()),
    })
    r.collected({
      name: name('records_dropped_total'),
      help: 'Request records dropped (queue full, or a batch that failed for good).',
      type: 'counter',
      collect: fromQueue((q) => q.dropped()),
    })
    const sent = r.counter({ name: name('alerts_sent_total'), help: 'Alert messages delivered, by sink kind.', labelNames: ['sink'] })
    const failed = r.counter({
      name: name('alert_send_failures_total'),
      help: 'Alert messages a sink did not take after every retry, by sink kind.',
      labelNames: ['sink'],
    })
    const suppressed = r.counter({
      name: name('alerts_suppressed_total'),
      help: 'Alerts not sent on their own: failures folded into an open incident (repeat), or messages held back by the rate limit (rate_limit).',
      labelNames: ['reason'],
    })
    r.collected({
      name: name('alert_incidents_open'),
      help: 'Incidents open now, by kind (upstream, all_failed, store).',
      type: 'gauge',
      labelNames: ['kind'],
      collect: () => [...(this.#openIncidents?.() ?? new Map<string, number>())].map(([kind, value]) => ({ labels: [kind], value })),
    })
    r.collected({
      name: name('upstream_state'),
      help: "Each upstream's breaker: 1 for its current state (closed, open, half_open), else 0.",
      type: 'gauge',
      labelNames: ['upstream', 'state'],
      // Workers share one state per upstream: they agree, and a sum would count it once per worker.
      merge: 'max',
      collect: () =>
        (this.#upstreamStates?.() ?? []).flatMap(({ upstream, state }) =>
          upstreamStates.map((each) => ({ labels: [upstream, each], value: each === state ? 1 : 0 })),
        ),
    })
    this.#stateChanges = r.counter({
      name: name('upstream_state_changes_total'),
      help: "Changes of an upstream's breaker state, by the state it went to, counted by the process that made the change.",
      labelNames: ['upstream', 'to'],
    })
    this.#configReloads = r.counter({
      name: name('config_reloads_total'),
      help: 'Config reloads, by result (ok: applied; error: refused, the previous config still served).',
      labelNames: ['result'],
    })
    this.#configReloads.labels('ok')
    this.#configReloads.labels('error')
    this.redisErrors = r
      .counter({
        name: name('redis_errors_total'),
        help: 'Redis errors of the shared upstream health (failed connection attempts, lost connections, failed commands).',
      })
      .labels()
    r.collected({
      name: name('build_info'),
      help: 'Always 1; the labels say which build is running.',
      type: 'gauge',
      labelNames: ['version', 'nodejs_version'],
      merge: 'max',
      collect: () => [{ labels: [options.version, process.version], value: 1 }],
    })

    const sentBySink = new Map<SinkKind, CounterSeries>(sinkKinds.map((kind) => [kind, sent.labels(kind)]))
    const failedBySink = new Map<SinkKind, CounterSeries>(sinkKinds.map((kind) => [kind, failed.labels(kind)]))
    const suppressedByReason = new Map<SuppressReason, CounterSeries>(suppressReasons.map((reason) => [reason, suppressed.labels(reason)]))
    this.alertCounters = {
      sent: (sink) => sentBySink.get(sink)?.inc(),
      failed: (sink) => failedBySink.get(sink)?.inc(),
      suppressed: (reason, count) => suppressedByReason.get(reason)?.inc(count),
    }

    this.modelLabels = new ModelLabels({ configured: options.models, maxSeen: options.maxSeenModels })
    this.#prices = options.prices ?? new PriceTable({})
  }

  /** A limit check the limit store could not answer (counted whether the request was then allowed or refused). */
  countLimitStoreError(): void {
    this.#limitStoreErrors.inc()
  }

  /** A named key's request refused by one of its limits. `key` is the key's name from the config, never the key. */
  countLimitRefusal(key: string, reason: LimitRefusalReason): void {
    let byReason = this.#refusalSeries.get(key)
    if (byReason === undefined) {
      byReason = []
      this.#refusalSeries.set(key, byReason)
    }
    const index = limitRefusalReasons.indexOf(reason)
    let series = byReason[index]
    if (series === undefined) series = byReason[index] = this.#limitRefusals.labels(key, reason)
    series.inc()
  }

  /** The record writer's counters, read at scrape time. */
  attachRecordQueue(stats: RecordQueueStats): void {
    this.#recordQueue = stats
  }

  /** Open incidents by kind, read at scrape time. */
  attachIncidents(openByKind: () => ReadonlyMap<string, number>): void {
    this.#openIncidents = openByKind
  }

  /** Every upstream's breaker state, read at scrape time. */
  attachUpstreamStates(read: () => ReadonlyArray<{ readonly upstream: string; readonly state: string }>): void {
    this.#upstreamStates = read
  }

  upstreamStateChanged(upstream: string, to: string): void {
    this.#stateChanges.labels(upstream, to).inc()
  }

  configReloaded(result: 'ok' | 'error'): void {
    this.#configReloads.labels(result).inc()
  }

  /** The outcome observer: one finished request. */
  readonly observe = (outcome: RequestOutcome): void => {
    const attempts = outcome.attempts
    // Only a request that reached an upstream (its key checked, its model routed) may give a model a label:
    // strangers and unroutable names cannot use up the bound.
    const model = this.#modelSeries(attempts.length > 0 ? this.modelLabels.admit(outcome.model) : this.modelLabels.labelOf(outcome.model))
    const failover = attempts.length > 1 ? 1 : 0
    const route = routeIndex(outcome.path)
    const statusClass = statusClassIndex(outcome.status)
    const requestIndex = (route * statusClassCount + statusClass) * 2 + failover
    let requests = model.requests[requestIndex]
    if (requests === undefined) {
      requests = this.#requests.labels(
        routeLabels[route] as string,
        model.label,
        statusClassLabels[statusClass] as string,
        failover === 1 ? 'true' : 'false',
      )
      model.requests[requestIndex] = requests
    }
    requests.inc()

    const answered = this.#upstream(outcome.upstream ?? noUpstreamLabel)
    const stream = outcome.stream ? 1 : 0
    let duration = answered.duration[stream]
    if (duration === undefined)
      duration = answered.duration[stream] = this.#duration.labels(answered.label, stream === 1 ? 'true' : 'false')
    duration.observe(outcome.totalMs / 1000)
    if (outcome.firstByteMs !== undefined) {
      let firstByte = answered.firstByte[stream]
      if (firstByte === undefined)
        firstByte = answered.firstByte[stream] = this.#firstByte.labels(answered.label, stream === 1 ? 'true' : 'false')
      firstByte.observe(outcome.firstByteMs / 1000)
    }

    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i] as AttemptRecord
      const upstream = this.#upstream(attempt.upstream)
      this.#countAttempt(upstream, attempt)
      if (i < attempts.length - 1) {
        upstream.failovers ??= this.#failovers.labels(upstream.label)
        upstream.failovers.inc()
      }
    }

    const upstreamModel = outcome.upstreamModel
    if (upstreamModel !== undefined && upstreamModel !== outcome.model && outcome.upstream !== undefined) {
      this.#countMapped(model.label, outcome.upstream, upstreamModel)
    }

    this.observeUsage(outcome)
  }

  #countMapped(model: string, upstream: string, upstreamModel: string): void {
    const key = `${model}\u0000${upstream}\u0000${upstreamModel}`
    let series = this.#mappedSeries.get(key)
    if (series === undefined) {
      series = this.#mapped.labels(model, upstream, upstreamModel)
      this.#mappedSeries.set(key, series)
    }
    series.inc()
  }

  #modelSeries(label: string): ModelSeries {
    let model = this.#models.get(label)
    if (model === undefined) {
      model = newModelSeries(label)
      this.#models.set(label, model)
    }
    return model
  }

  /** Counts an outcome's tokens and cost: part of `observe`, and called alone when an estimate arrives after it. */
  readonly observeUsage = (outcome: RequestOutcome): void => {
    const usage = outcome.usage
    if (usage === undefined) return
    // The label was admitted (or not) when the outcome itself was observed.
    const model = this.#modelSeries(this.modelLabels.labelOf(outcome.model))
    const answered = this.#upstream(outcome.upstream ?? noUpstreamLabel)
    // A name from the config's `keys`, so the label is bounded by the config.
    const key = (outcome.identity.kind === 'key' ? outcome.identity.name : undefined) ?? unnamedKeyLabel
    let byKey = model.tokens.get(answered.label)
    if (byKey === undefined) {
      byKey = new Map()
      model.tokens.set(answered.label, byKey)
    }
    let tokens = byKey.get(key)
    if (tokens === undefined) {
      tokens = [undefined, undefined, undefined, undefined]
      byKey.set(key, tokens)
    }
    const estimated = usage.source === 'estimated' ? 1 : 0
    const source = estimated === 1 ? 'estimated' : 'reported'
    if (usage.promptTokens > 0) {
      let prompt = tokens[estimated]
      if (prompt === undefined) prompt = tokens[estimated] = this.#tokens.labels(model.label, answered.label, 'prompt', source, key)
      prompt.inc(usage.promptTokens)
    }
    if (usage.completionTokens > 0) {
      let completion = tokens[2 + estimated]
      if (completion === undefined)
        completion = tokens[2 + estimated] = this.#tokens.labels(model.label, answered.label, 'completion', source, key)
      completion.inc(usage.completionTokens)
    }
    const cost = requestCost(this.#prices, outcome, usage)
    if (cost !== undefined && cost > 0) this.#costSeries(model, answered.label, key).inc(cost)
  }

  #costSeries(model: ModelSeries, upstream: string, key: string): CounterSeries {
    let byKey = model.cost.get(upstream)
    if (byKey === undefined) {
      byKey = new Map()
      model.cost.set(upstream, byKey)
    }
    let series = byKey.get(key)
    if (series === undefined) {
      series = this.#cost.labels(key, model.label, upstream)
      byKey.set(key, series)
    }
    return series
  }

  #countAttempt(upstream: UpstreamSeries, attempt: AttemptRecord): void {
    const code = attempt.errorCode === undefined ? 0 : (errorCodeIndex.get(attempt.errorCode) ?? 0)
    const statusClass = attempt.status === undefined ? 0 : statusClassIndex(attempt.status)
    const index = code * statusClassCount + statusClass
    let counter = upstream.attempts[index]
    if (counter === undefined) {
      const statusLabel = attempt.status === undefined ? 'none' : (statusClassLabels[statusClass] as string)
      counter = upstream.attempts[index] = this.#attempts.labels(upstream.label, attempt.outcome, attempt.errorCode ?? 'none', statusLabel)
    }
    counter.inc()
    upstream.attemptDuration ??= this.#attemptDuration.labels(upstream.label)
    upstream.attemptDuration.observe(attempt.durationMs / 1000)
  }

  /** Upstream labels are config names (bounded by the config), so the map only grows with the config. */
  #upstream(label: string): UpstreamSeries {
    let series = this.#upstreams.get(label)
    if (series === undefined) {
      series = {
        label,
        duration: [undefined, undefined],
        firstByte: [undefined, undefined],
        attemptDuration: undefined,
        failovers: undefined,
        attempts: [],
      }
      this.#upstreams.set(label, series)
    }
    return series
  }
}

function newModelSeries(label: string): ModelSeries {
  return { label, requests: new Array<CounterSeries | undefined>(routeCount * statusClassCount * 2), tokens: new Map(), cost: new Map() }
}
