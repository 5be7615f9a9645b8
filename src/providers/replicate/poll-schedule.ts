// When a non-stream prediction is polled: soon at first, then backing off, and never past a deadline.
import type { UpstreamConfig } from '../../config/gateway-config.js'

export interface PollSchedule {
  readonly firstDelayMs: number
  readonly maxDelayMs: number
  /** Polling stops here even when the upstream has no timeout at all. */
  readonly maxPollingMs: number
}

export const defaultPollSchedule: PollSchedule = Object.freeze({ firstDelayMs: 250, maxDelayMs: 2000, maxPollingMs: 10 * 60_000 })

/** The wait before poll number `pollsDone + 1`: doubling from the first delay up to the maximum. */
export function pollDelayMs(schedule: PollSchedule, pollsDone: number): number {
  return Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** Math.min(pollsDone, 30))
}

/** How long a prediction may be polled: the upstream's `timeout`, or `total_timeout` when shorter, capped. */
export function pollingLimitMs(schedule: PollSchedule, upstream: Pick<UpstreamConfig, 'firstByteTimeoutMs' | 'totalTimeoutMs'>): number {
  const limits = [upstream.firstByteTimeoutMs, upstream.totalTimeoutMs, schedule.maxPollingMs].filter((ms) => ms > 0)
  return Math.min(...limits)
}
