// The messages between the primary of `--workers N` and its workers (node:cluster IPC), as one union.
import type { BudgetPeriod, KeyLimits } from '../config/gateway-config.js'
import type { KeyUsage, LimitDecision, LimitRequest, SettledUsage } from '../limits/limit-store.js'
import type { AlertEvent } from '../observers/alerts/alert-events.js'
import type { ReloadResult } from '../config/reload-result.js'
import type { FamilySnapshot } from '../observers/metrics/metrics-snapshot.js'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'

export type WorkerMessage =
  /** `POST /admin/reload` arrived at this worker: the primary reloads the group and answers. */
  | { readonly type: 'oar:reload-request'; readonly id: number }
  /** This worker's reload, answering the primary's `oar:reload`. */
  | { readonly type: 'oar:reload-done'; readonly id: number; readonly result: ReloadResult }
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
  /** A named key's limits, checked by the primary for every worker (without Redis): the id names the lease too. */
  | { readonly type: 'oar:limit-check'; readonly id: number; readonly request: LimitRequest }
  /** The request that check admitted has ended: its concurrency slot is freed. */
  | { readonly type: 'oar:limit-release'; readonly id: number }
  /** Its real usage replaces its reservation (and frees the slot). */
  | { readonly type: 'oar:limit-settle'; readonly id: number; readonly actual: SettledUsage }
  /** A key's figures for `GET /v1/usage`. */
  | { readonly type: 'oar:limit-usage'; readonly id: number; readonly key: string; readonly limits: KeyLimits }
  /** Spend rebuilt from the records, for a period the primary holds nothing for. */
  | {
      readonly type: 'oar:limit-seed'
      readonly id: number
      readonly key: string
      readonly period: BudgetPeriod
      readonly periodStart: number
      readonly spent: { readonly usd: number; readonly tokens: number }
    }

export type PrimaryMessage =
  /** The primary validated the config file: reload it. */
  | { readonly type: 'oar:reload'; readonly id: number }
  /** The group's reload, answering the worker's `oar:reload-request`. */
  | { readonly type: 'oar:reload-reply'; readonly id: number; readonly result: ReloadResult }
  /** Send your metrics snapshot. */
  | { readonly type: 'oar:snapshot'; readonly id: number }
  /** The merged metrics of all processes, answering the worker's `oar:scrape`. */
  | { readonly type: 'oar:scrape-reply'; readonly id: number; readonly families: readonly FamilySnapshot[] }
  /** Upstream health changed in another worker (or another replica, through Redis); sent to a new worker too. */
  | { readonly type: 'oar:health'; readonly records: readonly UpstreamHealthRecord[] }
  /** The latest health record of every upstream, answering the worker's `oar:health-snapshot`. */
  | { readonly type: 'oar:health-snapshot-reply'; readonly id: number; readonly records: readonly UpstreamHealthRecord[] }
  /** The primary's decision on `oar:limit-check` (an admission's lease stays with the primary, named by the id). */
  | { readonly type: 'oar:limit-decision'; readonly id: number; readonly decision: LimitDecisionOnWire }
  /** Answers `oar:limit-usage`. */
  | { readonly type: 'oar:limit-usage-reply'; readonly id: number; readonly usage: KeyUsage }
  /** `oar:limit-seed` is done. */
  | { readonly type: 'oar:limit-seed-reply'; readonly id: number }

/** A LimitDecision without its lease, which cannot cross the channel. */
export type LimitDecisionOnWire =
  Exclude<LimitDecision, { readonly kind: 'admitted' }> | Omit<Extract<LimitDecision, { readonly kind: 'admitted' }>, 'lease'>

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
