// One upstream's breaker state as processes and replicas exchange it.
export interface UpstreamHealthRecord {
  readonly upstream: string // the upstream's name
  readonly state: 'closed' | 'open' | 'half_open'
  readonly openUntil: number // wall-clock ms since epoch; 0 when not open
  readonly cooldownMs: number // the current cooldown (doubles on a failed probe)
  readonly rateLimited: boolean // opened by a rate-limit signal still in force
  readonly changedAt: number // wall-clock ms since epoch of the change
  readonly origin: string // who made the change (process id + random, for ignoring one's own echo)
}
