// The attempt loop: try each planned upstream in turn until one's answer reaches the client.
import type { ServerResponse } from 'node:http'
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { ErrorCode } from '../errors/error-codes.js'
import { GatewayError } from '../errors/gateway-error.js'
import { internalErrorFields } from '../errors/internal-error.js'
import { sendJson } from '../wire/send-error.js'
import type { Logger } from '../log/logger.js'
import type { ProviderAdapter, UpstreamRequest } from '../providers/provider-adapter.js'
import type { Clock } from '../time/clock.js'
import { Attempt, type AttemptResult } from './attempt.js'
import { streamDialectFor } from '../streaming/stream-dialect.js'
import { AttemptLog } from './attempt-log.js'
import type { DeadlineSettings } from './attempt-deadlines.js'
import { failureAnswer } from './failure-answer.js'
import { redactorFor } from '../secrets/secret-redactor.js'
import type { AttemptOutcome, AttemptRecord } from '../outcome/request-outcome.js'
import type { CapturedResponse } from '../tokens/response-capture.js'
import { attemptVerdict, type AttemptHealth } from './attempt-verdict.js'
import { isBackOffStatus, retryAfterSeconds } from '../wire/retry-after.js'

export interface RelayOptions {
  readonly request: UpstreamRequest
  readonly res: ServerResponse
  readonly plan: readonly UpstreamConfig[]
  readonly adapterFor: (upstream: UpstreamConfig) => ProviderAdapter
  readonly clock: Clock
  readonly closeConnection: () => boolean
  /** Drop the usage-only chunk the gateway asked the upstream for. */
  readonly stripUsageChunk: boolean
  /** Failed attempts at warn; each attempt's start, commit and end at debug. */
  readonly logger?: Logger
  /** The request as each upstream is sent it (its own model name: relay/upstream-model-request.ts); default `request`. */
  readonly requestFor?: (upstream: UpstreamConfig) => UpstreamRequest
  /** Told how long each attempt took to answer, or to fail over, for `lb_policy: latency`. */
  readonly onAttemptTiming?: (upstream: UpstreamConfig, timing: AttemptTiming) => void
  /** Hears how each attempt went, for the upstreams' breakers. */
  readonly health?: AttemptHealth
}

/** An attempt's speed: until its answer's first byte reached the client, or until it failed in a way that fails over. */
export type AttemptTiming =
  { readonly kind: 'answered'; readonly firstByteMs: number } | { readonly kind: 'failed'; readonly durationMs: number }

/** `Retry-After` on a 429 or 503 when neither the upstream nor an open breaker names a time. */
const defaultRetryAfterMs = 1000

export interface RelayResult {
  readonly status: number
  readonly errorCode: ErrorCode | undefined
  /** The upstream whose answer the client got. */
  readonly upstream: UpstreamConfig | undefined
  readonly attempts: readonly AttemptRecord[]
  /** From the relay's start until the first byte went to the client. */
  readonly firstByteMs: number | undefined
  /** Usage and text read from the answer that reached the client. */
  readonly captured: CapturedResponse | undefined
}

const clientClosed = (): GatewayError => new GatewayError('client_closed', 'the client closed the connection')
const shuttingDown = (): GatewayError => new GatewayError('shutting_down', 'the gateway is shutting down')

export class RequestRelay {
  readonly #options: RelayOptions
  readonly #attempts: AttemptRecord[] = []
  #current: Attempt | undefined
  #clientGone = false
  #shuttingDown = false

  constructor(options: RelayOptions) {
    this.#options = options
  }

  /** The client went away: abort the upstream request now and try no other. */
  clientGone(): void {
    if (this.#clientGone) return
    this.#clientGone = true
    this.#current?.abort(clientClosed())
  }

  /**
   * The shutdown deadline has come: end the attempt now with a `shutting_down` error (an SSE error event once
   * committed, a 503 before) rather than let the connection be cut, and try no other upstream.
   */
  shutDown(): void {
    if (this.#shuttingDown || this.#clientGone) return
    this.#shuttingDown = true
    this.#current?.abort(shuttingDown())
  }

  async run(): Promise<RelayResult> {
    const { plan, clock, request } = this.#options
    const startedAt = clock.now()
    const log = AttemptLog.for(this.#options.logger, request.requestId)
    const dialect = streamDialectFor(request.path)
    let last: { result: AttemptResult & { kind: 'failed' }; upstream: UpstreamConfig } | undefined
    for (let i = 0; i < plan.length && !this.#clientGone && !(this.#shuttingDown && last !== undefined); i++) {
      const upstream = plan[i] as UpstreamConfig
      const attemptStart = clock.now()
      log?.started(upstream, i + 1)
      const onCommit = log?.onCommit(upstream, i + 1)
      const attempt = new Attempt({
        request: this.#options.requestFor?.(upstream) ?? request,
        upstream,
        adapter: this.#options.adapterFor(upstream),
        res: this.#options.res,
        deadlines: deadlinesFor(upstream, request.stream, i === plan.length - 1),
        clock,
        closeConnection: this.#options.closeConnection(),
        stripUsageChunk: this.#options.stripUsageChunk,
        dialect,
        ...(onCommit === undefined ? {} : { onCommit }),
      })
      this.#current = attempt
      attempt.start()
      const result = await attempt.result
      this.#current = undefined
      const durationMs = clock.now() - attemptStart
      if (result.kind === 'committed') {
        this.#options.onAttemptTiming?.(upstream, { kind: 'answered', firstByteMs: result.firstByteMs })
        const errorCode = this.#clientGone
          ? 'client_closed'
          : this.#shuttingDown && result.error !== undefined
            ? 'shutting_down'
            : result.error?.code
        const record = this.#record(upstream, errorCode === undefined ? 'ok' : outcomeOf(errorCode), result.status, errorCode, durationMs)
        this.#options.health?.attemptEnded(upstream, attemptVerdict(result.status, errorCode, undefined, clock.wallNow()))
        log?.ended(record, i + 1, true, undefined)
        if (errorCode === 'internal_error') this.#logInternal(result.error, upstream, i + 1)
        return {
          status: result.status,
          errorCode,
          upstream,
          attempts: this.#attempts,
          firstByteMs: attemptStart - startedAt + result.firstByteMs,
          captured: result.captured,
        }
      }
      const code = this.#clientGone ? 'client_closed' : this.#shuttingDown ? 'shutting_down' : result.error.code
      const record = this.#record(upstream, outcomeOf(code), result.answer?.status, code, durationMs)
      this.#options.health?.attemptEnded(upstream, attemptVerdict(result.answer?.status, code, result.answer, clock.wallNow()))
      const failsOver = result.error.retryable && !this.#clientGone && !this.#shuttingDown
      if (failsOver) this.#options.onAttemptTiming?.(upstream, { kind: 'failed', durationMs })
      log?.ended(record, i + 1, false, failsOver ? plan[i + 1] : undefined)
      if (code === 'internal_error') this.#logInternal(result.error, upstream, i + 1)
      last = { result, upstream }
      if (!result.error.retryable) break
    }
    if (this.#clientGone || last === undefined) {
      return {
        status: 499,
        errorCode: 'client_closed',
        upstream: undefined,
        attempts: this.#attempts,
        firstByteMs: undefined,
        captured: undefined,
      }
    }
    // node:http keeps one Authorization header (a repeated one is dropped), so it is a string or nothing.
    const redactor = redactorFor(last.upstream, request.headers.authorization)
    const error = this.#shuttingDown ? shuttingDown() : last.result.error
    const answer = failureAnswer(error, this.#shuttingDown ? undefined : last.result.answer, redactor, this.#attempts.length)
    const headers = withRetryAfter(answer.status, answer.headers, () => this.#options.health?.retryAfterMs())
    const extra = this.#options.closeConnection() ? [...headers, 'connection', 'close'] : headers
    sendJson(this.#options.res, answer.status, answer.body, request.requestId, extra)
    return {
      status: answer.status,
      errorCode: error.code,
      upstream: last.result.answer === undefined ? undefined : last.upstream,
      attempts: this.#attempts,
      firstByteMs: clock.now() - startedAt,
      captured: { usage: undefined, text: answer.body.toString('utf8') },
    }
  }

  /** The gateway's own bug, at error level with its stack: the client's answer only carries the request id. */
  #logInternal(error: GatewayError | undefined, upstream: UpstreamConfig, attempt: number): void {
    const fields = { requestId: this.#options.request.requestId, attempt, upstream: upstream.name, ...internalErrorFields(error) }
    this.#options.logger?.error('internal error', fields)
  }

  #record(
    upstream: UpstreamConfig,
    outcome: AttemptRecord['outcome'],
    status: number | undefined,
    errorCode: ErrorCode | undefined,
    durationMs: number,
  ): AttemptRecord {
    const record: AttemptRecord = { upstream: upstream.name, upstreamIndex: upstream.index, outcome, status, errorCode, durationMs }
    this.#attempts.push(record)
    return record
  }
}

/** A 429 or 503 always tells the client when to come back: the upstream's own `Retry-After`, else an open breaker's end. */
function withRetryAfter(status: number, headers: string[], breakerMs: () => number | undefined): string[] {
  if (!isBackOffStatus(status)) return headers
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'retry-after') return headers
  return [...headers, 'retry-after', retryAfterSeconds(breakerMs() ?? defaultRetryAfterMs)]
}

/** An internal error is the gateway's, not the upstream's: its attempt is neither `ok` nor `failed`. */
function outcomeOf(code: ErrorCode): AttemptOutcome {
  return code === 'client_closed' || code === 'internal_error' ? code : 'failed'
}

/** The last candidate always gets `timeout`: nothing remains to fail over to, so a short stream deadline only hurts. */
export function deadlinesFor(upstream: UpstreamConfig, stream: boolean, isLast: boolean): DeadlineSettings {
  return {
    firstByteMs: stream && !isLast ? upstream.streamFirstByteTimeoutMs : upstream.firstByteTimeoutMs,
    idleMs: upstream.idleTimeoutMs,
    totalMs: upstream.totalTimeoutMs,
  }
}
