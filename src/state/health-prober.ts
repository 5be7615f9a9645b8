// Active probes (`health.probe_interval`): while an upstream is open on its own failures, the gateway itself asks it
// for something cheap every interval; a 2xx moves it to half-open at once, so its recovery does not wait for client
// traffic. One prober per gateway group: the process that holds the group's state (a single process, or the primary
// of `--workers N`), whose half-open change reaches the workers and replicas like any other.
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { Clock, TimerHandle } from '../time/clock.js'
import type { HealthBoard } from './health-board.js'

export interface HealthProberOptions {
  readonly board: HealthBoard
  readonly upstreams: readonly UpstreamConfig[]
  readonly clock: Clock
  /**
   * Probes the upstream: resolves true on a 2xx. Undefined when this upstream cannot be probed (see `probeRequest`).
   * Never rejects.
   */
  readonly probeFor: (upstream: UpstreamConfig) => ((timeoutMs: number) => Promise<boolean>) | undefined
  /** A probe moved the upstream to half-open. */
  readonly onRecovered?: (upstream: UpstreamConfig) => void
}

export class HealthProber {
  readonly #timers = new Set<TimerHandle>()
  readonly #clock: Clock
  #closed = false

  constructor(options: HealthProberOptions) {
    this.#clock = options.clock
    for (const upstream of options.upstreams) {
      const intervalMs = upstream.health.probeIntervalMs
      if (!upstream.health.enabled || intervalMs <= 0) continue
      const probe = options.probeFor(upstream)
      if (probe === undefined) continue
      this.#every(intervalMs, async () => {
        if (await this.#tick(options.board, upstream, () => probe(intervalMs))) options.onRecovered?.(upstream)
      })
    }
  }

  /** Upstreams probed on a timer (for tests and the start-up log). */
  get probing(): number {
    return this.#timers.size
  }

  close(): void {
    this.#closed = true
    for (const timer of this.#timers) this.#clock.clearTimeout(timer)
    this.#timers.clear()
  }

  /** Runs `tick` every `intervalMs`, the next interval starting once it has settled (a slow probe never overlaps). */
  #every(intervalMs: number, tick: () => Promise<void>): void {
    const schedule = (): void => {
      const timer = this.#clock.setTimeout(() => {
        this.#timers.delete(timer)
        void tick().then(() => {
          if (!this.#closed) schedule()
        })
      }, intervalMs)
      timer.unref?.()
      this.#timers.add(timer)
    }
    schedule()
  }

  /** True when the probe moved the upstream to half-open. */
  async #tick(board: HealthBoard, upstream: UpstreamConfig, probe: () => Promise<boolean>): Promise<boolean> {
    // Nothing is sent while the upstream is closed or half-open (client traffic probes it), nor while it asked for a back-off.
    if (!board.probeable(upstream)) return false
    return (await probe()) && !this.#closed && board.probeSucceeded(upstream)
  }
}
