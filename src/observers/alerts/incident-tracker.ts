// The incident state machine: turns a stream of failures and successes into one message when something
// starts failing, a reminder at most once per repeat interval (with the failures folded into it), and
// one message when it is healthy again. Pure: time comes from the injected clock, output goes to `emit`.
import type { Clock } from '../../time/clock.js'

export const incidentKinds = ['upstream', 'all_failed', 'store', 'config'] as const
/** `upstream`: one upstream's attempts; `all_failed`: requests for a model on which every upstream failed; `store`: the record store. */
export type IncidentKind = (typeof incidentKinds)[number]

export interface Notice {
  /** Tells incidents of the same subject apart (a subject can fail again after recovering). */
  readonly incident: number
  readonly kind: IncidentKind
  /** The upstream name, model label, or store name. */
  readonly subject: string
  readonly phase: 'opened' | 'ongoing' | 'recovered'
  /** Wall-clock ms when the incident opened. */
  readonly openedAt: number
  /** Wall-clock ms of this notice. */
  readonly at: number
  /** opened: the failures in a row that opened it; ongoing: failures since the previous message; recovered: all failures of the incident. */
  readonly failures: number
  /** The most recent failure, e.g. `upstream_status, HTTP 503`. */
  readonly detail: string
}

export interface IncidentThresholds {
  /** Failures in a row that open an incident. */
  readonly failuresToOpen: number
  /** Successes in a row that close it. */
  readonly successesToRecover: number
}

export interface IncidentPolicy {
  readonly thresholds: Readonly<Record<IncidentKind, IncidentThresholds>>
  /** While an incident stays open, at most one reminder per interval, and only if it failed again. */
  readonly repeatIntervalMs: number
}

interface Incident {
  id: number
  open: boolean
  failuresInRow: number
  successesInRow: number
  openedAt: number
  /** Monotonic ms of the last message about this incident. */
  lastNoticeAt: number
  /** Failures since the last message, not yet reported. */
  unreported: number
  total: number
  detail: string
}

export interface IncidentTrackerOptions {
  readonly policy: IncidentPolicy
  readonly clock: Clock
  readonly emit: (notice: Notice) => void
  /** Failures that did not produce a message of their own because an incident was already open. */
  readonly folded: (count: number) => void
}

export class IncidentTracker {
  readonly #options: IncidentTrackerOptions
  /** Per kind, per subject; subjects are config names or bounded labels, so these maps stay small. */
  readonly #incidents: Record<IncidentKind, Map<string, Incident>> = {
    upstream: new Map(),
    all_failed: new Map(),
    store: new Map(),
    config: new Map(),
  }
  #nextId = 1

  constructor(options: IncidentTrackerOptions) {
    this.#options = options
  }

  failure(kind: IncidentKind, subject: string, detail: string, count = 1): void {
    const incidents = this.#incidents[kind]
    let incident = incidents.get(subject)
    if (incident === undefined) {
      incident = { id: 0, open: false, failuresInRow: 0, successesInRow: 0, openedAt: 0, lastNoticeAt: 0, unreported: 0, total: 0, detail }
      incidents.set(subject, incident)
    }
    incident.successesInRow = 0
    incident.detail = detail
    if (incident.open) {
      incident.unreported += count
      incident.total += count
      this.#options.folded(count)
      return
    }
    incident.failuresInRow += count
    if (incident.failuresInRow < this.#options.policy.thresholds[kind].failuresToOpen) return
    const { clock } = this.#options
    incident.open = true
    incident.id = this.#nextId++
    incident.openedAt = clock.wallNow()
    incident.lastNoticeAt = clock.now()
    incident.total = incident.failuresInRow
    incident.unreported = 0
    this.#options.emit({
      incident: incident.id,
      kind,
      subject,
      phase: 'opened',
      openedAt: incident.openedAt,
      at: incident.openedAt,
      failures: incident.failuresInRow,
      detail,
    })
  }

  success(kind: IncidentKind, subject: string, count = 1): void {
    // The common case, a subject that never failed, costs one lookup.
    const incident = this.#incidents[kind].get(subject)
    if (incident === undefined) return
    incident.failuresInRow = 0
    if (!incident.open) return
    incident.successesInRow += count
    if (incident.successesInRow < this.#options.policy.thresholds[kind].successesToRecover) return
    const at = this.#options.clock.wallNow()
    this.#options.emit({
      incident: incident.id,
      kind,
      subject,
      phase: 'recovered',
      openedAt: incident.openedAt,
      at,
      failures: incident.total,
      detail: incident.detail,
    })
    this.#incidents[kind].delete(subject)
  }

  /**
   * Opens the incident now, whatever its own count (its state is decided elsewhere, e.g. by an upstream's breaker);
   * `failures`: those that decided it. On an open incident, one more failure.
   */
  opened(kind: IncidentKind, subject: string, detail: string, failures: number): void {
    const incident = this.#incidents[kind].get(subject)
    if (incident?.open === true) return this.failure(kind, subject, detail, 1)
    if (incident !== undefined) incident.failuresInRow = 0
    // The message counts at least the incident's own threshold: it is what opens it.
    this.failure(kind, subject, detail, Math.max(failures, this.#options.policy.thresholds[kind].failuresToOpen))
  }

  /** Ends the incident now, if one is open, whatever its count of successes. */
  recovered(kind: IncidentKind, subject: string): void {
    const incident = this.#incidents[kind].get(subject)
    if (incident === undefined) return
    this.success(kind, subject, Math.max(1, this.#options.policy.thresholds[kind].successesToRecover - incident.successesInRow))
  }

  /** Sends the reminders that are due; call it periodically. */
  tick(): void {
    const { clock, policy } = this.#options
    const now = clock.now()
    for (const kind of incidentKinds) {
      for (const [subject, incident] of this.#incidents[kind]) {
        if (!incident.open || incident.unreported === 0 || now - incident.lastNoticeAt < policy.repeatIntervalMs) continue
        this.#options.emit({
          incident: incident.id,
          kind,
          subject,
          phase: 'ongoing',
          openedAt: incident.openedAt,
          at: clock.wallNow(),
          failures: incident.unreported,
          detail: incident.detail,
        })
        incident.unreported = 0
        incident.lastNoticeAt = now
      }
    }
  }

  openByKind(): Map<IncidentKind, number> {
    const counts = new Map<IncidentKind, number>()
    for (const kind of incidentKinds) {
      let open = 0
      for (const incident of this.#incidents[kind].values()) if (incident.open) open++
      counts.set(kind, open)
    }
    return counts
  }
}
