// Recorder: the one thing the gateway is given to keep finished requests (the records store, or a test's list).
import type { OutcomeObserver } from './request-outcome.js'

export interface Recorder {
  /** Takes each finished request once its token figures are known; returns at once. */
  readonly observe: OutcomeObserver
  /**
   * What the metrics, the store alert and /readyz read, each time they read it. Absent when nothing is stored
   * (a recorder that only collects outcomes): then there is no queue to watch and nothing to wait for.
   */
  readonly stats?: () => RecorderStats
  /** Writes what is queued (for at most `deadlineMs`), then lets go; shutdown calls it once no request is in flight. */
  close(deadlineMs: number): Promise<void>
}

export interface RecorderStats {
  /** False until the store has first been reached and its schema is in place. */
  readonly ready: boolean
  /** Records waiting to be written now. */
  readonly queued: number
  /** Records written since start. */
  readonly written: number
  /** Records given up on since start. */
  readonly dropped: number
}
