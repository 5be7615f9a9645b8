// The gateway's alerting: events → incidents → rate limit → one outbox per sink. One per gateway (in the
// primary process when there are workers; see alert-events.ts). Nothing here ever waits on a request's path.
import type { AlertsConfig } from '../../config/observability-config.js'
import type { Logger } from '../../log/logger.js'
import type { Clock, TimerHandle } from '../../time/clock.js'
import type { AlertCounters } from './alert-counters.js'
import type { AlertEvents } from './alert-events.js'
import { AlertOutbox } from './alert-outbox.js'
import type { AlertSink } from './alert-sink.js'
import { alertText } from './alert-text.js'
import { AlertThrottle } from './alert-throttle.js'
import { IncidentTracker, type IncidentKind, type Notice } from './incident-tracker.js'

export interface AlertCenterOptions {
  readonly config: AlertsConfig
  /** Named in every message, to tell replicas apart (the config's `hostname`). */
  readonly gatewayName: string
  readonly sinks: readonly AlertSink[]
  readonly clock: Clock
  readonly counters: AlertCounters
  readonly logger: Logger
  /** How often reminders and held messages are looked at; default 1 s. */
  readonly tickMs?: number
  /** Default 1 s, 5 s, 15 s. */
  readonly retryDelaysMs?: readonly number[]
}

const hourMs = 3_600_000

/**
 * How long a stopping gateway waits, at most, for alert messages still on their way (each gets one more try, no
 * retry waits): a webhook answers in well under this, and the process should end about a second after its last request.
 */
export const alertFlushMs = 1_000

export class AlertCenter implements AlertEvents {
  readonly #options: AlertCenterOptions
  readonly #tracker: IncidentTracker
  readonly #throttle: AlertThrottle
  readonly #outboxes: AlertOutbox[]
  /** Message ids: unique per process start, so Matrix never mistakes a new message for a retried one. */
  readonly #idPrefix: string
  #sequence = 0
  #timer: TimerHandle | undefined
  #closed = false

  constructor(options: AlertCenterOptions) {
    this.#options = options
    const { config, clock, counters, logger } = options
    this.#throttle = new AlertThrottle({
      maxMessages: config.maxPerHour,
      windowMs: hourMs,
      clock,
      deliver: (notice) => this.#deliver(notice),
      merged: (count) => counters.suppressed('rate_limit', count),
    })
    const recover = config.successesToRecover
    this.#tracker = new IncidentTracker({
      policy: {
        thresholds: {
          upstream: { failuresToOpen: config.failuresToOpen, successesToRecover: recover },
          // One request that every upstream failed is already worth a message.
          all_failed: { failuresToOpen: 1, successesToRecover: recover },
          store: { failuresToOpen: 1, successesToRecover: recover },
          // A refused reload is worth a message at once; the next good one closes it.
          config: { failuresToOpen: 1, successesToRecover: 1 },
        },
        repeatIntervalMs: config.repeatIntervalMs,
      },
      clock,
      emit: (notice) => this.#throttle.offer(notice),
      folded: (count) => counters.suppressed('repeat', count),
    })
    this.#outboxes = options.sinks.map(
      (sink) =>
        new AlertOutbox({ sink, clock, counters, logger, retryDelaysMs: options.retryDelaysMs ?? [1000, 5000, 15_000], maxQueued: 100 }),
    )
    this.#idPrefix = `oar${clock.wallNow().toString(36)}`
    this.#schedule()
  }

  upstreamAttempts(upstream: string, ok: boolean, count: number, detail: string): void {
    this.#record('upstream', upstream, ok, count, detail)
  }

  modelRequests(model: string, allFailed: boolean, count: number, detail: string): void {
    this.#record('all_failed', model, !allFailed, count, detail)
  }

  storeChecked(store: string, healthy: boolean, detail: string): void {
    this.#record('store', store, healthy, 1, detail)
  }

  upstreamBreaker(upstream: string, open: boolean, failures: number, detail: string): void {
    if (open) this.#tracker.opened('upstream', upstream, detail, failures)
    else this.#tracker.recovered('upstream', upstream)
  }

  configReloaded(source: string, ok: boolean, detail: string): void {
    this.#record('config', source, ok, 1, detail)
  }

  /** Sends due reminders and messages the rate limit held; runs on a timer, callable directly. */
  tick(): void {
    this.#tracker.tick()
    this.#throttle.tick()
  }

  openByKind(): ReadonlyMap<IncidentKind, number> {
    return this.#tracker.openByKind()
  }

  /** Resolves when every outbox has sent (or given up on) what it holds. */
  async idle(): Promise<void> {
    await Promise.all(this.#outboxes.map((outbox) => outbox.idle()))
  }

  /** Waits up to `deadlineMs` for messages on their way, each tried once more at most (no retry waits), then stops. */
  async close(deadlineMs: number): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer)
    for (const outbox of this.#outboxes) outbox.lastTries()
    let timer: TimerHandle | undefined
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = this.#options.clock.setTimeout(resolve, deadlineMs)))])
    if (timer !== undefined) this.#options.clock.clearTimeout(timer)
    for (const outbox of this.#outboxes) outbox.close()
  }

  #record(kind: IncidentKind, subject: string, ok: boolean, count: number, detail: string): void {
    if (ok) this.#tracker.success(kind, subject, count)
    else this.#tracker.failure(kind, subject, detail, count)
  }

  #deliver(notice: Notice): void {
    const text = alertText(notice, this.#options.gatewayName)
    this.#options.logger.warn('alert', {
      kind: notice.kind,
      subject: notice.subject,
      phase: notice.phase,
      failures: notice.failures,
      detail: notice.detail,
    })
    const id = `${this.#idPrefix}.${++this.#sequence}`
    for (const outbox of this.#outboxes) outbox.enqueue({ id, text })
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = this.#options.clock.setTimeout(() => {
      this.tick()
      this.#schedule()
    }, this.#options.tickMs ?? 1000)
    this.#timer.unref?.()
  }
}
