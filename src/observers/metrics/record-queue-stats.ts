// What the metrics and the store alert read from the record writer's queue, at scrape or check time.

export interface RecordQueueStats {
  /** Records waiting to be written now. */
  depth(): number
  /** Records written since start. */
  written(): number
  /** Records given up on since start (queue full, or a batch that failed for good). */
  dropped(): number
}
