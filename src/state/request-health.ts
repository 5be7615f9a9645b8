// One request's side of the HealthBoard: its attempts' verdicts go to the board, and a half-open probe it took but
// never sent (an earlier upstream answered, or the client left) is given back when the request is over.
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { Breaker } from '../routing/breaker.js'
import type { AttemptVerdict, HealthBoard } from './health-board.js'

export class RequestHealth {
  readonly #board: HealthBoard
  /** The probes this request holds and has not reported on yet, by upstream name; usually none. */
  readonly #probes: Map<string, Breaker> | undefined
  readonly #attempts: readonly UpstreamConfig[]

  constructor(board: HealthBoard, attempts: readonly UpstreamConfig[], probes: Map<string, Breaker> | undefined) {
    this.#board = board
    this.#attempts = attempts
    this.#probes = probes
  }

  /** How long until the soonest of the request's open upstreams is expected back. */
  retryAfterMs(): number | undefined {
    return this.#board.retryAfterMs(this.#attempts)
  }

  attemptEnded(upstream: UpstreamConfig, verdict: AttemptVerdict): void {
    this.#board.report(upstream, verdict, this.#probes?.delete(upstream.name) === true)
  }

  finished(): void {
    if (this.#probes === undefined) return
    for (const probe of this.#probes.values()) probe.releaseProbe()
    this.#probes.clear()
  }
}
