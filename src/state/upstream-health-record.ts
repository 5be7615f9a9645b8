// One upstream's breaker state as processes and replicas exchange it.

export interface UpstreamHealthRecord {
  /** The upstream's name. */
  readonly upstream: string
  readonly state: 'closed' | 'open' | 'half_open'
  /** Wall-clock ms since epoch; 0 when not open. */
  readonly openUntil: number
  /** The current cooldown (doubles on a failed probe). */
  readonly cooldownMs: number
  /** Opened by a rate-limit signal still in force. */
  readonly rateLimited: boolean
  /** Wall-clock ms since epoch of the change. */
  readonly changedAt: number
  /** Who made the change (process id + random, for ignoring one's own echo). */
  readonly origin: string
}
