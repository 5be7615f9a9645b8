// The latest record per upstream, ordered the same way in every process, so every process and replica settles on one.
import type { UpstreamHealthRecord } from './upstream-health-record.js'

/**
 * Later `changedAt` wins; two changes in the same millisecond are ordered by `origin`, so every process picks the
 * same one. A record is never newer than itself: a process's own record coming back is not news.
 */
export function isNewerRecord(candidate: UpstreamHealthRecord, known: UpstreamHealthRecord | undefined): boolean {
  if (known === undefined) return true
  return candidate.changedAt > known.changedAt || (candidate.changedAt === known.changedAt && candidate.origin > known.origin)
}

export class LatestHealthRecords {
  readonly #byUpstream = new Map<string, UpstreamHealthRecord>()

  /** Keeps `record` if it is newer than the one held for its upstream; says whether it did. */
  offer(record: UpstreamHealthRecord): boolean {
    if (!isNewerRecord(record, this.#byUpstream.get(record.upstream))) return false
    this.#byUpstream.set(record.upstream, record)
    return true
  }

  get(upstream: string): UpstreamHealthRecord | undefined {
    return this.#byUpstream.get(upstream)
  }

  all(): UpstreamHealthRecord[] {
    return [...this.#byUpstream.values()]
  }
}
