// The messages between the primary of `--workers N` and its workers (node:cluster IPC), as one union.
import type { AlertEvent } from '../observers/alerts/alert-events.js'
import type { FamilySnapshot } from '../observers/metrics/metrics-snapshot.js'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'

export type WorkerMessage =
  /** The worker listens; the primary prints the address once all have said so. */
  | { readonly type: 'oar:listening'; readonly url: string }
  /** Outcome-derived alert events: the primary's one AlertCenter de-duplicates across workers. */
  | { readonly type: 'oar:alert'; readonly event: AlertEvent }
  /** A scrape arrived at this worker: it asks the primary for every process's metrics. */
  | { readonly type: 'oar:scrape'; readonly id: number }
  /** A warning the primary logs once for the whole group, however many workers send it. */
  | { readonly type: 'oar:warning'; readonly msg: string; readonly fields: Readonly<Record<string, string>> }
  /** This worker's metrics, answering the primary's `oar:snapshot`. */
  | { readonly type: 'oar:snapshot-reply'; readonly id: number; readonly families: readonly FamilySnapshot[] }
  /** This worker's last metrics, sent as it leaves after a drain: the primary keeps its counters. */
  | { readonly type: 'oar:final-snapshot'; readonly families: readonly FamilySnapshot[] }
  /** This worker could not start (one line, e.g. the address in use): the primary stops every worker and exits 1. */
  | { readonly type: 'oar:start-failed'; readonly message: string }
  /** An upstream's health changed in this worker: the primary passes it to the other workers (and to Redis). */
  | { readonly type: 'oar:health'; readonly record: UpstreamHealthRecord }
  /** Asks for the latest health record of every upstream the primary knows. */
  | { readonly type: 'oar:health-snapshot'; readonly id: number }

export type PrimaryMessage =
  /** Send your metrics snapshot. */
  | { readonly type: 'oar:snapshot'; readonly id: number }
  /** The merged metrics of all processes, answering the worker's `oar:scrape`. */
  | { readonly type: 'oar:scrape-reply'; readonly id: number; readonly families: readonly FamilySnapshot[] }
  /** Upstream health changed in another worker (or another replica, through Redis); sent to a new worker too. */
  | { readonly type: 'oar:health'; readonly records: readonly UpstreamHealthRecord[] }
  /** The latest health record of every upstream, answering the worker's `oar:health-snapshot`. */
  | { readonly type: 'oar:health-snapshot-reply'; readonly id: number; readonly records: readonly UpstreamHealthRecord[] }

/** Our messages carry an `oar:` type; anything else on the channel (node:cluster's own) is not ours. */
function isOurs(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('oar:')
  )
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return isOurs(value)
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return isOurs(value)
}
