// How upstream health is shared beyond one process: breaker changes go out, changes made elsewhere come in.
import type { UpstreamHealthRecord } from './upstream-health-record.js'

export interface HealthSync {
  /** Shares a local change. Never throws, never waits: it is called on the request path. */
  publish(record: UpstreamHealthRecord): void
  /** Changes made in other processes or replicas (never this one's own). */
  onRemote(listener: (record: UpstreamHealthRecord) => void): void
  /** The latest record known for each upstream (for a process that starts, or catches up after an outage). */
  snapshot(): Promise<readonly UpstreamHealthRecord[]>
  close(): Promise<void>
}

/** In-process only (the default): nothing is shared, nothing comes in. */
export const noHealthSync: HealthSync = {
  publish() {},
  onRemote() {},
  snapshot: async () => [],
  close: async () => {},
}
