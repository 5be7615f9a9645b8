// A worker's HealthSync under `--workers N`: its changes go to the primary, which passes them to the other workers.
import type { HealthSync } from '../state/health-sync.js'
import { LatestHealthRecords } from '../state/latest-health-records.js'
import { toHealthRecord } from '../state/parse-health-record.js'
import type { UpstreamHealthRecord } from '../state/upstream-health-record.js'
import type { WorkerMessage } from './cluster-messages.js'

/** How long snapshot() waits for the primary before answering with what this worker knows. */
const snapshotTimeoutMs = 2_000

export interface WorkerHealthSync extends HealthSync {
  /** Records the primary sent (`oar:health`). */
  receive(records: readonly unknown[]): void
  /** The primary's answer to a snapshot request (`oar:health-snapshot-reply`). */
  answer(id: number, records: readonly unknown[]): void
}

export function workerHealthSync(send: (message: WorkerMessage) => void): WorkerHealthSync {
  const latest = new LatestHealthRecords()
  const listeners: Array<(record: UpstreamHealthRecord) => void> = []
  const pending = new Map<number, () => void>()
  let nextId = 1
  const offer = (records: readonly unknown[]): UpstreamHealthRecord[] =>
    records.flatMap((value) => {
      const record = toHealthRecord(value)
      return record !== undefined && latest.offer(record) ? [record] : []
    })
  return {
    publish(record) {
      latest.offer(record)
      send({ type: 'oar:health', record })
    },
    onRemote(listener) {
      listeners.push(listener)
    },
    receive(records) {
      for (const record of offer(records)) for (const listener of listeners) listener(record)
    },
    answer(id, records) {
      offer(records)
      pending.get(id)?.()
    },
    snapshot() {
      const id = nextId++
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          pending.delete(id)
          resolve(latest.all())
        }
        // A primary that is gone or slow does not hold up the worker: it starts on what it knows.
        const timer = setTimeout(done, snapshotTimeoutMs)
        timer.unref()
        pending.set(id, done)
        send({ type: 'oar:health-snapshot', id })
      })
    },
    close: () => Promise.resolve(),
  }
}
