// Turns each finished request into alert events: its attempts per upstream, and whether every upstream failed it.
import type { AttemptRecord, OutcomeObserver, RequestOutcome } from '../../outcome/request-outcome.js'
import type { AlertEvents } from './alert-events.js'

/**
 * `modelLabel` maps a request's model to a bounded label (configured models, else `other`). `followsBreaker`: the
 * upstreams whose incident follows their breaker (upstreamBreaker events) rather than their attempts in a row.
 */
export function alertObserver(
  events: AlertEvents,
  modelLabel: (model: string) => string,
  followsBreaker: ReadonlySet<string> = new Set(),
): OutcomeObserver {
  return function observeForAlerts(outcome: RequestOutcome): void {
    const attempts = outcome.attempts
    // Refused by the gateway itself (key, model, size): nothing about upstreams.
    if (attempts.length === 0) return
    let failed = 0
    let inconclusive = false
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i] as AttemptRecord
      switch (attempt.outcome) {
        case 'ok':
          if (!followsBreaker.has(attempt.upstream)) events.upstreamAttempts(attempt.upstream, true, 1, '')
          break
        case 'failed':
          // Cut by the gateway's own shutdown deadline: that says nothing about the upstream.
          if (attempt.errorCode === 'shutting_down') {
            inconclusive = true
            break
          }
          failed++
          if (!followsBreaker.has(attempt.upstream)) events.upstreamAttempts(attempt.upstream, false, 1, attemptFailure(attempt))
          break
        case 'client_closed':
        // The gateway's own bug: neither the upstream's failure nor the model's.
        case 'internal_error':
          inconclusive = true
          break
      }
    }
    if (inconclusive) return
    // A stream that broke after its first byte had one failed attempt but a 2xx answer: the upstream alert covers it.
    const allFailed = failed === attempts.length && outcome.status >= 400
    if (allFailed) events.modelRequests(modelLabel(outcome.model), true, 1, requestFailure(outcome))
    else if (failed < attempts.length) events.modelRequests(modelLabel(outcome.model), false, 1, '')
  }
}

export function attemptFailure(attempt: AttemptRecord): string {
  return attempt.status === undefined ? (attempt.errorCode ?? 'failed') : `${attempt.errorCode ?? 'failed'}, HTTP ${attempt.status}`
}

function requestFailure(outcome: RequestOutcome): string {
  const tried = outcome.attempts.length
  return `HTTP ${outcome.status} ${outcome.errorCode ?? ''}`.trimEnd() + `, ${tried} upstream${tried === 1 ? '' : 's'} tried`
}
