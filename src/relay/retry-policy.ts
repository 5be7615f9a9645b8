// Whether a failed attempt is tried again on the same upstream, and after how long: a connection refused or reset, or a
// 500/502/503/504 without Retry-After, after a backoff (retry_backoff × a random factor in [0.5, 1), doubling for each
// further retry); a 429/503 whose Retry-After is no longer than max_retry_wait, after that wait, when the upstream is
// the last candidate (otherwise the next candidate is the faster answer). Every other failure moves on at once.
// A retry that could not start before the upstream's total_timeout runs out is not made.
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { GatewayError } from '../errors/gateway-error.js'
import type { UpstreamAnswer } from './body-sink.js'
import { headerOf } from './client-response-headers.js'
import { isBackOffStatus, parseRetryAfterMs } from '../wire/retry-after.js'

export interface RetryInput {
  readonly upstream: UpstreamConfig
  /** A failure that fails over (retryable, the client still there). */
  readonly error: GatewayError
  readonly answer: UpstreamAnswer | undefined
  /** Retries already made on this upstream for this request. */
  readonly retriesDone: number
  /** No other candidate follows this upstream in the plan. */
  readonly isLastCandidate: boolean
  /** What is left of the upstream's total_timeout, in ms; Infinity without one. */
  readonly timeLeftMs: number
  /** Wall-clock ms since the epoch, for a Retry-After given as an HTTP date. */
  readonly wallNow: number
  /** Injected randomness in [0, 1). */
  readonly random: () => number
}

export type RetryDecision = { readonly kind: 'retry'; readonly waitMs: number; readonly reason: RetryReason } | { readonly kind: 'move_on' }

/** Why a retry waits: its own backoff, or the upstream's Retry-After. */
export type RetryReason = 'backoff' | 'retry_after'

const moveOn: RetryDecision = Object.freeze({ kind: 'move_on' })
const backoffStatuses = new Set([500, 502, 503, 504])

export function decideRetry(input: RetryInput): RetryDecision {
  const { upstream, answer } = input
  if (input.retriesDone >= upstream.retries) return moveOn
  const retryAfter = answer === undefined ? undefined : headerOf(answer.headers, 'retry-after')
  let decision: RetryDecision = moveOn
  if (answer === undefined) {
    if (isRefusedOrReset(input.error)) decision = backoff(input)
  } else if (retryAfter === undefined) {
    if (backoffStatuses.has(answer.status)) decision = backoff(input)
  } else if (isBackOffStatus(answer.status) && input.isLastCandidate && upstream.maxRetryWaitMs > 0) {
    const waitMs = parseRetryAfterMs(retryAfter, input.wallNow)
    if (waitMs !== undefined && waitMs <= upstream.maxRetryWaitMs) decision = { kind: 'retry', waitMs, reason: 'retry_after' }
  }
  // A wait that uses up the rest of the total deadline leaves the retry no time to answer.
  return decision.kind === 'retry' && decision.waitMs >= input.timeLeftMs ? moveOn : decision
}

/** retry_backoff × [0.5, 1) × 2^(retries already made): 0.25 s gives 125–250 ms, then 250–500 ms, 500–1000 ms, ... */
export function backoffMs(baseMs: number, retriesDone: number, random: () => number): number {
  return baseMs * (0.5 + random() / 2) * 2 ** retriesDone
}

function backoff(input: RetryInput): RetryDecision {
  return { kind: 'retry', waitMs: backoffMs(input.upstream.retryBackoffMs, input.retriesDone, input.random), reason: 'backoff' }
}

/** A refused connection (nothing listens) or one the upstream reset; not a DNS or TLS failure, which a retry does not cure. */
function isRefusedOrReset(error: GatewayError): boolean {
  if (error.code === 'upstream_reset') return true
  return error.code === 'upstream_connect_error' && causeCodes(error).includes('ECONNREFUSED')
}

function causeCodes(error: unknown): string[] {
  const codes: string[] = []
  // undici wraps the socket's error; a few levels are enough and a cycle cannot hold the loop.
  for (let cause = error, depth = 0; typeof cause === 'object' && cause !== null && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
    cause = (cause as { cause?: unknown }).cause
  }
  return codes
}
