// Checks the record writer's queue on an interval: new drops, or a backlog over the limit, make the store unhealthy.
import type { Clock, TimerHandle } from '../../time/clock.js'
import type { RecordQueueStats } from '../metrics/record-queue-stats.js'
import type { AlertEvents } from './alert-events.js'

export interface QueueCheck {
  readonly healthy: boolean
  /** What is wrong (empty when healthy), e.g. `120 records dropped since the last check, 5000 waiting`. */
  readonly detail: string
}

/** Pure: one check from the counters now and the dropped count at the previous check. */
export function checkRecordQueue(depth: number, dropped: number, droppedBefore: number, backlog: number): QueueCheck {
  const newlyDropped = dropped - droppedBefore
  if (newlyDropped > 0)
    return {
      healthy: false,
      detail: `${newlyDropped} record${newlyDropped === 1 ? '' : 's'} dropped since the last check, ${depth} waiting`,
    }
  if (depth >= backlog) return { healthy: false, detail: `${depth} records waiting (limit ${backlog})` }
  return { healthy: true, detail: '' }
}

export interface RecordQueueWatchOptions {
  readonly stats: RecordQueueStats
  /** The store's name in messages, e.g. `records` (per worker when there are several). */
  readonly store: string
  readonly backlog: number
  readonly intervalMs: number
  readonly clock: Clock
  readonly events: AlertEvents
}

export function watchRecordQueue(options: RecordQueueWatchOptions): { stop(): void } {
  const { stats, clock } = options
  let droppedBefore = stats.dropped()
  let timer: TimerHandle | undefined
  let stopped = false
  const check = (): void => {
    const dropped = stats.dropped()
    const result = checkRecordQueue(stats.depth(), dropped, droppedBefore, options.backlog)
    droppedBefore = dropped
    options.events.storeChecked(options.store, result.healthy, result.detail)
    schedule()
  }
  const schedule = (): void => {
    if (stopped) return
    timer = clock.setTimeout(check, options.intervalMs)
    timer.unref?.()
  }
  schedule()
  return {
    stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
    },
  }
}
