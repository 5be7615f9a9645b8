// The primary's share of upstream health under `--workers N`: it keeps the latest record per upstream, passes each
// worker's change to the other workers at once, and is the one process that talks to Redis for all of them.
import type { HealthSync } from '../state/health-sync.js'
import { LatestHealthRecords } from '../state/latest-health-records.js'
import { toHealthRecord } from '../state/parse-health-record.js'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'

export interface PrimaryHealthRelayOptions {
  /** Sends records to every worker but `except` (the one they came from, if any). */
  readonly broadcast: (records: readonly UpstreamHealthRecord[], except: number | undefined) => void
  /** The replicas' shared state (Redis), or `noHealthSync`: then the primary alone holds the state. */
  readonly replicas: HealthSync
}

export class PrimaryHealthRelay {
  readonly #latest = new LatestHealthRecords()
  readonly #options: PrimaryHealthRelayOptions
  readonly #ownListeners: Array<(record: UpstreamHealthRecord) => void> = []
  /**
   * The primary's own share (its health board, which runs the active probes): its changes go to every worker and
   * replica; it hears every worker's and replica's.
   */
  readonly own: HealthSync

  constructor(options: PrimaryHealthRelayOptions) {
    this.#options = options
    options.replicas.onRemote((record) => {
      if (!this.#latest.offer(record)) return
      options.broadcast([record], undefined)
      this.#tellOwn(record)
    })
    this.own = {
      publish: (record) => {
        if (!this.#latest.offer(record)) return
        options.broadcast([record], undefined)
        options.replicas.publish(record)
      },
      onRemote: (listener) => void this.#ownListeners.push(listener),
      snapshot: () => Promise.resolve(this.#latest.all()),
      close: () => Promise.resolve(),
    }
  }

  /** A worker's change: the other workers get it now, the other replicas through Redis. */
  fromWorker(worker: number, value: unknown): void {
    const record = toHealthRecord(value)
    if (record === undefined || !this.#latest.offer(record)) return
    this.#options.broadcast([record], worker)
    this.#options.replicas.publish(record)
    this.#tellOwn(record)
  }

  #tellOwn(record: UpstreamHealthRecord): void {
    for (const listener of this.#ownListeners) listener(record)
  }

  /** The latest record per upstream, for a worker that starts. */
  snapshot(): UpstreamHealthRecord[] {
    return this.#latest.all()
  }

  close(): Promise<void> {
    return this.#options.replicas.close()
  }
}
