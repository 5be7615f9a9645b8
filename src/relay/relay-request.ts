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
import { AttemptSteps, type NextLeg, type RelayLeg } from './attempt-steps.js'
import { failureAnswer } from './failure-answer.js'
import { redactorFor } from '../secrets/secret-redactor.js'
import type { AttemptOutcome, AttemptRecord } from '../outcome/request-outcome.js'
import type { CapturedResponse } from '../tokens/response-capture.js'
import { attemptVerdict, type AttemptHealth } from './attempt-verdict.js'
import { isBackOffStatus, retryAfterSeconds } from '../wire/retry-after.js'
import { withGatewayHeaders } from './client-writer.js'

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
  /** Injected randomness in [0, 1), for the retries' backoff (relay/retry-policy.ts). */
  readonly random?: () => number
  /** `model_fallbacks`: the next model's candidates once a model's failed (relay/model-fallbacks.ts); unset: none. */
  readonly nextLeg?: NextLeg
  /** Name the client model that answered in `x-openai-api-route-model` (set when `model_fallbacks` is configured). */
  readonly modelHeader?: boolean
  /** Hears how each attempt went, for the upstreams' breakers. */
  readonly health?: AttemptHealth
  /**
   * The gateway's own headers on every answer, relayed or failed (a limited key's `x-ratelimit-*`), replacing the
   * upstream's headers of the names in `replaces`.
   */
  readonly ownHeaders?: { readonly headers: readonly string[]; readonly replaces: readonly string[] }
}

/** How an attempt ended, for its record. */
type AttemptEnd = Pick<AttemptRecord, 'outcome' | 'status' | 'errorCode' | 'durationMs'>

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
  /** The client model whose candidate that upstream was: the requested one, or a fallback (`model_fallbacks`). */
  readonly model: string | undefined
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
  /** Ends a retry's wait early; set only while one is under way. */
  #endWait: (() => void) | undefined

  constructor(options: RelayOptions) {
    this.#options = options
  }

  /** The client went away: abort the upstream request now and try no other. */
  clientGone(): void {
    if (this.#clientGone) return
    this.#clientGone = true
    this.#endWait?.()
    this.#current?.abort(clientClosed())
  }

  /**
   * The shutdown deadline has come: end the attempt now with a `shutting_down` error (an SSE error event once
   * committed, a 503 before) rather than let the connection be cut, and try no other upstream.
   */
  shutDown(): void {
    if (this.#shuttingDown || this.#clientGone) return
    this.#shuttingDown = true
    this.#endWait?.()
    this.#current?.abort(shuttingDown())
  }

  async run(): Promise<RelayResult> {
    const { clock, request } = this.#options
    const startedAt = clock.now()
    const log = AttemptLog.for(this.#options.logger, request.requestId)
    const dialect = streamDialectFor(request.path)
    const steps = new AttemptSteps({
      clock,
      random: this.#options.random ?? Math.random,
      nextLeg: this.#options.nextLeg,
      stream: request.stream,
    })
    let last: { result: AttemptResult & { kind: 'failed' }; upstream: UpstreamConfig; model: string } | undefined
    let step = steps.first(this.#firstLeg())
    while (step !== undefined && !this.#clientGone && !(this.#shuttingDown && last !== undefined)) {
      // A retry's backoff or Retry-After; a client that leaves (or a shutdown) ends it at once.
      if (step.waitMs > 0 && !(await this.#wait(step.waitMs))) break
      const { upstream, leg } = step
      const health = leg.health ?? this.#options.health
      const ordinal = this.#attempts.length + 1
      const attemptStart = clock.now()
      log?.started(upstream, ordinal, step.retry)
      const onCommit = log?.onCommit(upstream, ordinal)
      const extraHeaders = this.#extraHeaders(leg.model)
      const replacedHeaders = this.#options.ownHeaders?.replaces
      const attempt = new Attempt({
        request: leg.requestFor(upstream),
        upstream,
        adapter: this.#options.adapterFor(upstream),
        res: this.#options.res,
        deadlines: steps.begin(step),
        clock,
        closeConnection: this.#options.closeConnection(),
        stripUsageChunk: this.#options.stripUsageChunk,
        dialect,
        ...(onCommit === undefined ? {} : { onCommit }),
        ...(extraHeaders === undefined ? {} : { extraHeaders }),
        ...(replacedHeaders === undefined ? {} : { replacedHeaders }),
        ...(this.#options.nextLeg === undefined ? {} : { contextLengthFallsBack: true }),
      })
      this.#current = attempt
      attempt.start()
      const result = await attempt.result
      this.#current = undefined
      const durationMs = clock.now() - attemptStart
      const tags = { model: leg.model === request.model ? undefined : leg.model, retry: step.retry }
      if (result.kind === 'committed') {
        this.#options.onAttemptTiming?.(upstream, { kind: 'answered', firstByteMs: result.firstByteMs })
        const errorCode = this.#clientGone
          ? 'client_closed'
          : this.#shuttingDown && result.error !== undefined
            ? 'shutting_down'
            : result.error?.code
        const outcome = errorCode === undefined ? 'ok' : outcomeOf(errorCode)
        const record = this.#record(upstream, { outcome, status: result.status, errorCode, durationMs }, tags)
        health?.attemptEnded(upstream, attemptVerdict(result.status, errorCode, undefined, clock.wallNow()))
        log?.ended(record, ordinal, true, undefined)
        if (errorCode === 'internal_error') this.#logInternal(result.error, upstream, ordinal)
        return {
          status: result.status,
          errorCode,
          upstream,
          model: leg.model,
          attempts: this.#attempts,
          firstByteMs: attemptStart - startedAt + result.firstByteMs,
          captured: result.captured,
        }
      }
      const code = this.#clientGone ? 'client_closed' : this.#shuttingDown ? 'shutting_down' : result.error.code
      const record = this.#record(upstream, { outcome: outcomeOf(code), status: result.answer?.status, errorCode: code, durationMs }, tags)
      health?.attemptEnded(upstream, attemptVerdict(result.answer?.status, code, result.answer, clock.wallNow()))
      const failsOver = result.error.retryable && !this.#clientGone && !this.#shuttingDown
      if (failsOver) this.#options.onAttemptTiming?.(upstream, { kind: 'failed', durationMs })
      last = { result, upstream, model: leg.model }
      const gone = this.#clientGone || this.#shuttingDown
      step = gone ? undefined : steps.after(step, { error: result.error, answer: result.answer, failsOver })
      log?.ended(record, ordinal, false, step?.upstream)
      if (code === 'internal_error') this.#logInternal(result.error, upstream, ordinal)
    }
    if (this.#clientGone || last === undefined) {
      return {
        status: 499,
        errorCode: 'client_closed',
        upstream: undefined,
        model: undefined,
        attempts: this.#attempts,
        firstByteMs: undefined,
        captured: undefined,
      }
    }
    // node:http keeps one Authorization header (a repeated one is dropped), so it is a string or nothing.
    const redactor = redactorFor(last.upstream, request.headers.authorization)
    const error = this.#shuttingDown ? shuttingDown() : last.result.error
    const relayed = this.#shuttingDown ? undefined : last.result.answer
    const answer = failureAnswer(error, relayed, redactor, this.#attempts.length)
    const named = relayed !== undefined && this.#options.modelHeader === true ? ['x-openai-api-route-model', last.model] : []
    const own = this.#options.ownHeaders
    const relayedHeaders = withRetryAfter(answer.status, answer.headers, () => this.#options.health?.retryAfterMs())
    const headers =
      own === undefined ? [...relayedHeaders, ...named] : withGatewayHeaders(relayedHeaders, [...named, ...own.headers], own.replaces)
    const extra = this.#options.closeConnection() ? [...headers, 'connection', 'close'] : headers
    sendJson(this.#options.res, answer.status, answer.body, request.requestId, extra)
    return {
      status: answer.status,
      errorCode: error.code,
      upstream: last.result.answer === undefined ? undefined : last.upstream,
      model: last.result.answer === undefined ? undefined : last.model,
      attempts: this.#attempts,
      firstByteMs: clock.now() - startedAt,
      captured: { usage: undefined, text: answer.body.toString('utf8') },
    }
  }

  /** The gateway's own headers on a relayed answer: the model that answered (with `model_fallbacks`), a key's limits. */
  #extraHeaders(model: string): readonly string[] | undefined {
    const named = this.#options.modelHeader === true ? ['x-openai-api-route-model', model] : undefined
    const own = this.#options.ownHeaders?.headers
    if (own === undefined || own.length === 0) return named
    return named === undefined ? own : [...named, ...own]
  }

  /** The gateway's own bug, at error level with its stack: the client's answer only carries the request id. */
  #logInternal(error: GatewayError | undefined, upstream: UpstreamConfig, attempt: number): void {
    const fields = { requestId: this.#options.request.requestId, attempt, upstream: upstream.name, ...internalErrorFields(error) }
    this.#options.logger?.error('internal error', fields)
  }

  #record(upstream: UpstreamConfig, ended: AttemptEnd, tags: { model: string | undefined; retry: number }): AttemptRecord {
    const record: AttemptRecord = {
      upstream: upstream.name,
      upstreamIndex: upstream.index,
      ...ended,
      ...(tags.model === undefined ? {} : { model: tags.model }),
      ...(tags.retry === 0 ? {} : { retry: tags.retry }),
    }
    this.#attempts.push(record)
    return record
  }

  /** The first leg: the planned candidates of the requested model. */
  #firstLeg(): RelayLeg {
    const { request, plan, requestFor } = this.#options
    return { model: request.model, plan, requestFor: requestFor ?? (() => request), final: this.#options.nextLeg === undefined }
  }

  /** Resolves true when the wait is over, false when the client left or the gateway began to shut down meanwhile. */
  #wait(ms: number): Promise<boolean> {
    const { clock } = this.#options
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.#endWait = undefined
        resolve(true)
      }, ms)
      this.#endWait = () => {
        clock.clearTimeout(timer)
        this.#endWait = undefined
        resolve(false)
      }
    })
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
