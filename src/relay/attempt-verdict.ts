// How one attempt bears on its upstream's health, for the breakers: only failures that fail over count against it;
// the client's own answers (a 400, a 404), a client that leaves and the gateway's own failures count for nothing.
import type { UpstreamConfig } from '../config/gateway-config.js'
import { errorCodes, type ErrorCode } from '../errors/error-codes.js'
import { backOffDelayMs } from '../wire/retry-after.js'
import type { UpstreamAnswer } from './body-sink.js'

export type AttemptVerdict =
  /** Its 2xx (or 3xx) answer reached the client. */
  | { readonly kind: 'succeeded' }
  /** It failed over, or broke after its commit point: `retryAfterMs` when a 429 or 503 said when to come back. */
  | { readonly kind: 'failed'; readonly retryAfterMs: number | undefined; readonly detail: string }
  /** Says nothing about the upstream. */
  | { readonly kind: 'inconclusive' }

/** What the relay tells about each attempt's upstream, and asks when it must name a time to retry. */
export interface AttemptHealth {
  attemptEnded(upstream: UpstreamConfig, verdict: AttemptVerdict): void
  /** How long until one of the request's upstreams is expected back; undefined when none is open. */
  retryAfterMs(): number | undefined
}

const succeeded: AttemptVerdict = Object.freeze({ kind: 'succeeded' })
const inconclusive: AttemptVerdict = Object.freeze({ kind: 'inconclusive' })

/**
 * `code`: the attempt's error (undefined when it ended well); `answer`: the upstream's own failed answer, when it
 * gave one. Failures that are not the upstream's (the client left, shutdown, the gateway's bug, a request the
 * upstream's type cannot carry) and non-failover statuses (the client's 4xx) are inconclusive.
 */
export function attemptVerdict(
  status: number | undefined,
  code: ErrorCode | undefined,
  answer: UpstreamAnswer | undefined,
  wallNow: number,
): AttemptVerdict {
  if (code === undefined) return status !== undefined && status < 400 ? succeeded : inconclusive
  // Not retryable: the client left, shutdown, the gateway's own bug. Unsupported: the request, not the upstream.
  if (!errorCodes[code].retryable || code === 'upstream_unsupported') return inconclusive
  const detail = status === undefined ? code : `${code}, HTTP ${status}`
  return { kind: 'failed', retryAfterMs: answer === undefined ? undefined : backOffDelayMs(answer.status, answer.headers, wallNow), detail }
}
