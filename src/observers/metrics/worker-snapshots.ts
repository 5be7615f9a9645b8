// The primary's view of its workers' metrics: each live worker's latest snapshot, and what departed workers
// counted, so a merged counter never falls when a worker dies or a scrape misses its reply.
import { mergeSnapshots } from './merge-snapshots.js'
import type { FamilySnapshot } from './metrics-snapshot.js'

/** The order of a final snapshot: newer than any reply. */
export const finalSnapshot = Number.MAX_SAFE_INTEGER

export class WorkerSnapshots {
  readonly #latest = new Map<string, { readonly order: number; readonly families: readonly FamilySnapshot[] }>()
  /** Counters and histograms of every worker that has gone, summed: they stay in every later scrape. */
  #departed: readonly FamilySnapshot[] = []

  /** A worker's snapshot; `order` says which is newer, so a late reply never replaces a newer snapshot. */
  update(worker: string, order: number, families: readonly FamilySnapshot[]): void {
    const held = this.#latest.get(worker)
    if (held === undefined || order >= held.order) this.#latest.set(worker, { order, families })
  }

  /**
   * The worker is gone: its last counters and histograms join the departed total (so they never go back),
   * its gauges and per-process facts go with it. What it counted after its last snapshot is lost.
   */
  depart(worker: string): void {
    const held = this.#latest.get(worker)
    this.#latest.delete(worker)
    if (held === undefined) return
    const kept = held.families.filter((family) => family.merge === 'sum' && (family.type === 'counter' || family.type === 'histogram'))
    this.#departed = mergeSnapshots([this.#departed, kept])
  }

  /** One scrape: the primary's own snapshot, the departed totals, and every live worker's latest snapshot. */
  merged(primary: readonly FamilySnapshot[]): FamilySnapshot[] {
    const workers = [...this.#latest.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))
    return mergeSnapshots(
      [primary, this.#departed, ...workers.map((worker) => (this.#latest.get(worker) as { families: readonly FamilySnapshot[] }).families)],
      ['primary', 'departed', ...workers],
    )
  }
}
