// How a named key's limits show on the wire, as OpenAI shows its own: `x-ratelimit-*` headers on every answer to a
// limited key, and 429s with OpenAI's codes, types and wording when a limit refuses.
import type { BudgetPeriod } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { LimitDecision, LimitStatus } from '../limits/limit-store.js'
import { formatResetDuration } from '../wire/retry-after.js'

/** Every header the gateway writes for a limited key; an upstream's own of these names never reach the client. */
export const rateLimitHeaderNames: readonly string[] = [
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
]

/**
 * Told to the OpenAI and Anthropic SDKs, which otherwise retry every 429 after its `Retry-After` however long: a
 * spent budget or a request larger than the whole limit is not worth waiting for.
 */
const noRetry = ['x-should-retry', 'false']

/** The `x-ratelimit-*` headers of the key's windows (`rpm` → requests, `tpm` → tokens), as a flat name/value list. */
export function rateLimitHeaders(status: LimitStatus): string[] {
  const headers: string[] = []
  const { requests, tokens } = status
  if (requests !== undefined)
    headers.push(
      'x-ratelimit-limit-requests',
      String(requests.limit),
      'x-ratelimit-remaining-requests',
      String(requests.remaining),
      'x-ratelimit-reset-requests',
      formatResetDuration(requests.resetMs),
    )
  if (tokens !== undefined)
    headers.push(
      'x-ratelimit-limit-tokens',
      String(tokens.limit),
      'x-ratelimit-remaining-tokens',
      String(tokens.remaining),
      'x-ratelimit-reset-tokens',
      formatResetDuration(tokens.resetMs),
    )
  return headers
}

const periodAdjective: Readonly<Record<BudgetPeriod, string>> = { day: 'daily ', week: 'weekly ', month: 'monthly ', total: '' }

/** What the refused request asked for, for the message. */
export interface LimitAsk {
  readonly keyName: string
  readonly tokens: number
  readonly maxConcurrent: number | undefined
  readonly budgetUsd: number | undefined
  readonly budgetTokens: number | undefined
  readonly budgetPeriod: BudgetPeriod
}

/** The client's answer to a refusal (or to a limit store that cannot be reached with `on_store_error: deny`). */
export function limitRefusalError(decision: Exclude<LimitDecision, { kind: 'admitted' }>, ask: LimitAsk): GatewayError {
  if (decision.kind === 'unavailable') {
    const retryAfterMs = decision.retryAfterMs
    return new GatewayError(
      'limit_store_unavailable',
      `The limits of key \`${ask.keyName}\` cannot be checked right now; retry in ${formatResetDuration(retryAfterMs)}.`,
      { retryAfterMs },
    )
  }
  const { reason, retryAfterMs, status } = decision
  const headers = rateLimitHeaders(status)
  const wait = formatResetDuration(retryAfterMs)
  switch (reason) {
    case 'requests': {
      const limit = status.requests?.limit ?? 0
      const used = limit - (status.requests?.remaining ?? 0)
      const message = `Rate limit reached for key \`${ask.keyName}\` on requests per min (RPM): Limit ${limit}, Used ${used}, Requested 1. Please try again in ${wait}.`
      return new GatewayError('rate_limit_exceeded', message, { retryAfterMs, headers })
    }
    case 'concurrency': {
      const message = `Too many concurrent requests for key \`${ask.keyName}\`: Limit ${ask.maxConcurrent ?? 0} in flight. Please try again in ${wait}.`
      return new GatewayError('rate_limit_exceeded', message, { retryAfterMs, headers })
    }
    case 'tokens': {
      const limit = status.tokens?.limit ?? 0
      const used = limit - (status.tokens?.remaining ?? 0)
      const message =
        ask.tokens > limit
          ? `Request too large for key \`${ask.keyName}\` on tokens per min (TPM): Limit ${limit}, Requested ${ask.tokens}. The input or output tokens must be reduced in order to run successfully.`
          : `Rate limit reached for key \`${ask.keyName}\` on tokens per min (TPM): Limit ${limit}, Used ${used}, Requested ${ask.tokens}. Please try again in ${wait}.`
      const never = ask.tokens > limit ? noRetry : []
      return new GatewayError('rate_limit_exceeded', message, { retryAfterMs, headers: [...headers, ...never], type: 'tokens' })
    }
    case 'budget_usd':
    case 'budget_tokens': {
      const what =
        reason === 'budget_usd'
          ? `budget of $${ask.budgetUsd ?? 0} (budget_usd)`
          : `budget of ${ask.budgetTokens ?? 0} tokens (budget_tokens)`
      const ends =
        decision.periodEndsAt === undefined
          ? 'it does not reset (budget_period: total).'
          : `it resets at ${new Date(decision.periodEndsAt).toISOString()}, the end of the ${ask.budgetPeriod}.`
      const message = `You exceeded your current quota: key \`${ask.keyName}\` has spent its ${periodAdjective[ask.budgetPeriod]}${what}, or has too little of it left for this request (it reserves up to ${ask.tokens} tokens); ${ends}`
      return new GatewayError('insufficient_quota', message, { retryAfterMs, headers: [...headers, ...noRetry] })
    }
  }
}
