// The log lines of a request's attempts: each failed attempt at warn (which upstream, and why: its status or
// error code), and at debug each attempt's start, commit and end. Nothing is built when the level is off.
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { Logger } from '../log/logger.js'
import type { AttemptRecord } from '../outcome/request-outcome.js'

export class AttemptLog {
  readonly #logger: Logger
  readonly #requestId: string
  readonly #debug: boolean

  /** undefined when not even failures are logged (level error or silent). */
  static for(logger: Logger | undefined, requestId: string): AttemptLog | undefined {
    return logger?.enabled('warn') === true ? new AttemptLog(logger, requestId) : undefined
  }

  private constructor(logger: Logger, requestId: string) {
    this.#logger = logger
    this.#requestId = requestId
    this.#debug = logger.enabled('debug')
  }

  /** `retry`: 0 for the upstream's first try, n for its nth retry. */
  started(upstream: UpstreamConfig, attempt: number, retry = 0): void {
    if (!this.#debug) return
    const fields: Record<string, unknown> = { requestId: this.#requestId, attempt, upstream: upstream.name, type: upstream.type }
    if (retry > 0) fields['retry'] = retry
    this.#logger.debug('attempt start', fields)
  }

  /** The commit-point callback for the attempt, only when debug lines are written. */
  onCommit(upstream: UpstreamConfig, attempt: number): (() => void) | undefined {
    if (!this.#debug) return undefined
    return () => this.#logger.debug('attempt commit', { requestId: this.#requestId, attempt, upstream: upstream.name })
  }

  /**
   * `next`: the upstream tried after this one. A failure is logged at warn, except the client leaving, which
   * says nothing about the upstream.
   */
  ended(record: AttemptRecord, attempt: number, committed: boolean, next: UpstreamConfig | undefined): void {
    if (record.outcome !== 'failed' && !this.#debug) return
    const fields: Record<string, unknown> = {
      requestId: this.#requestId,
      attempt,
      upstream: record.upstream,
      outcome: record.outcome,
      committed,
    }
    if (record.retry !== undefined) fields['retry'] = record.retry
    if (record.model !== undefined) fields['model'] = record.model
    if (record.status !== undefined) fields['status'] = record.status
    if (record.errorCode !== undefined) fields['errorCode'] = record.errorCode
    fields['durationMs'] = Math.round(record.durationMs)
    if (next !== undefined) fields['next'] = next.name
    if (record.outcome === 'failed') this.#logger.warn('attempt failed', fields)
    if (this.#debug) this.#logger.debug('attempt end', fields)
  }
}
